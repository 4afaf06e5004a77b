using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.ToolPlans;

/// <summary>
/// The <c>args:</c> parser: random argument objects written as key=value pairs or as a JSON object read back
/// to the same JSON, directly and through sot.md, plan.json (both readers) and back.
/// </summary>
public sealed class ToolArgumentsPropertyTests
{
    private static readonly Gen<string> Keys =
        from first in Gen.Elements('a', 'b', 'p', 'x', 'Z', '_')
        from length in Gen.Choose(0, 8)
        from rest in Gen.ArrayOf(Gen.Elements('a', 'e', 'z', '0', '9', '_', '.', '-'), length)
        select first + new string(rest);

    private static readonly Gen<string> Texts = Gen.Frequency(
        (3, Gen.Elements("src", "a b", "x,y", "  padded  ", "\"quoted\"", "ünïcode", "tab\there", "back\\slash", "{brace", "[x]", "=", "1", "true", "null", "", "a=b, c=d", "`tick`")),
        (1, ArbMap.Default.GeneratorFor<string>().Where(s => s is not null && !s.Any(char.IsSurrogate))));

    private static readonly Gen<JsonNode?> Scalars = Gen.OneOf(
        Gen.Choose(-1000, 1000).Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b)),
        Texts.Select(s => (JsonNode?)JsonValue.Create(s)),
        Gen.Elements(0.5, -2.25, 1e10).Select(d => (JsonNode?)JsonValue.Create(d)),
        Gen.Constant<JsonNode?>(null));

    private static readonly Gen<JsonNode?> Values = Gen.Frequency(
        (6, Scalars),
        (1, Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(Scalars, n)).Select(items => (JsonNode?)new JsonArray([.. items.Select(i => i?.DeepClone())]))),
        (1, Scalars.Select(v => (JsonNode?)new JsonObject { ["inner"] = v?.DeepClone() })));

    internal static readonly Gen<JsonElement> Arguments =
        from count in Gen.Choose(1, 6)
        from keys in Gen.ArrayOf(Keys, count)
        from values in Gen.ArrayOf(Values, count)
        select Build(keys, values);

    [Property(MaxTest = 300)]
    public Property TryParse_FormattedPairs_GivesTheSameJson() => Prop.ForAll(Arguments.ToArbitrary(), args =>
    {
        string pairs = ToolArguments.FormatPairs(args);

        Assert.True(ToolArguments.TryParse(pairs, out var parsed, out string error), $"{pairs}: {error}");
        Assert.True(JsonElement.DeepEquals(args, parsed), $"{pairs} read as {parsed.GetRawText()}");
    });

    [Property(MaxTest = 300)]
    public Property TryParse_JsonObject_GivesTheSameJson() => Prop.ForAll(Arguments.ToArbitrary(), args =>
    {
        Assert.True(ToolArguments.TryParse(args.GetRawText(), out var parsed, out string error), error);
        Assert.True(JsonElement.DeepEquals(args, parsed));
    });

    [Property(MaxTest = 200)]
    public Property TryParse_BareWord_IsAStringUnlessItIsAJsonLiteral() => Prop.ForAll(
        Gen.Elements("src", "a b", "v1.2", "hello world", "C:\\dir", "x=y", "-", "0x10", "007", "1.", "TRUE", "nil", "ü").ToArbitrary(),
        word =>
        {
            Assert.True(ToolArguments.TryParse($"value = {word} ", out var parsed, out string error), error);
            var value = parsed.GetProperty("value");
            Assert.Equal(JsonValueKind.String, value.ValueKind);
            Assert.Equal(word, value.GetString());
        });

    [Property(MaxTest = 150)]
    public Property SotAndPlanJson_RoundTripToolAndArgs() => Prop.ForAll(Arguments.ToArbitrary(), Gen.Elements(true, false).ToArbitrary(), (args, asPairs) =>
    {
        string text = asPairs ? ToolArguments.FormatPairs(args) : args.GetRawText();
        string sot = $"# Tools\n\n- [ ] `TASK-001` Call a tool\n  - agent: tools\n  - tool: scan\n  - args: {text}\n";

        var plan = Plan.ParseSot(sot, "sot.md");
        var task = Assert.Single(plan.Tasks);
        Assert.Empty(plan.Validate(new PlanValidationOptions { CheckAgents = false }).Diagnostics);
        Assert.Equal("scan", task.Tool);
        Assert.True(JsonElement.DeepEquals(args, task.Arguments!.Value));

        string json = plan.ToJson();
        var fast = Assert.Single(Plan.ParseJson(json).Tasks);
        var tree = Assert.Single(PlanJsonReader.ReadWithTree(System.Text.Encoding.UTF8.GetBytes(json), "plan.json").Tasks);
        foreach (var read in new[] { fast, tree })
        {
            Assert.Equal("scan", read.Tool);
            Assert.True(JsonElement.DeepEquals(args, read.Arguments!.Value), json);
        }

        Assert.Equal(json, Plan.ParseJson(json).ToJson());
    });

    private static JsonElement Build(string[] keys, JsonNode?[] values)
    {
        var obj = new JsonObject();
        for (int i = 0; i < keys.Length; i++)
        {
            obj[keys[i]] = values[i]?.DeepClone();
        }

        return JsonDocument.Parse(obj.ToJsonString()).RootElement.Clone();
    }
}
