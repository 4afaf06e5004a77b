using System.Globalization;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Effects;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

/// <summary>
/// sot.md version 2: random task graphs are rendered to markdown with random (valid)
/// formatting, read back, and compared with the graph they came from. Also the plan.json
/// round trip for both versions and the legacy key order of version 1 plan.json.
/// </summary>
public sealed class SotV2PropertyTests
{
    [Property(MaxTest = 300)]
    public Property ParseSot_RenderedV2Graph_EqualsModel() => Prop.ForAll(V2Gen.Documents.ToArbitrary(), doc =>
    {
        var plan = Plan.ParseSot(doc.Text);

        Assert.Equal(2, plan.Version);
        var expectedQueues = doc.Tasks.Select(t => t.Queue).Distinct().ToList();
        Assert.Equal(expectedQueues, plan.Queues.Select(q => q.Name));
        foreach (var queue in plan.Queues)
        {
            Assert.Equal(doc.Tasks.Where(t => t.Queue == queue.Name).Select(t => t.Id), queue.Tasks.Select(t => t.Id));
        }

        Assert.Equal(doc.Tasks.Length, plan.Tasks.Count);
        foreach (var expected in doc.Tasks)
        {
            Assert.True(plan.TryGetTask(expected.Id, out var actual));
            Assert.Equal(expected.Title.Length == 0 ? expected.Id : expected.Title, actual.Title);
            Assert.Equal(expected.Queue, actual.Queue);
            Assert.Equal(expected.Layer ?? PlanAssert.LegacyLayer(expected.Id[(expected.Id.IndexOf('-', StringComparison.Ordinal) + 1)..]), actual.Layer);
            Assert.Equal(expected.Agent, actual.Agent);
            Assert.Equal(expected.Run, actual.Run);
            Assert.Equal(expected.Needs, actual.Needs);
            Assert.Equal(expected.Effects.Select(e => e.Value), actual.Effects);
            Assert.Equal(expected.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, actual.Timeout);
            Assert.Equal(expected.Retries, actual.Retries);
            Assert.Equal(expected.Description, actual.Description);
            Assert.Equal(expected.Done, actual.IsDone);
        }

        var validation = plan.Validate();
        Assert.True(validation.IsValid, validation.ToString());
    });

    [Property(MaxTest = 100)]
    public Property SaveLoad_V2Plan_RoundTripsEveryAttribute() => Prop.ForAll(V2Gen.Documents.ToArbitrary(), doc =>
    {
        using var dir = new TempDir();
        var plan = Plan.ParseSot(doc.Text, "docs/sot.md");
        string path = dir.File("plan.json");

        plan.Save(path);
        var loaded = Plan.Load(path);

        PlanAssert.Same(plan, loaded);
        Assert.True(loaded.Validate().IsValid, loaded.Validate().ToString());
    });

    [Property(MaxTest = 100)]
    public Property SaveLoad_V1Plan_RoundTripsEveryAttribute() => Prop.ForAll(SotV1PropertyTests.V1Gen.Documents.ToArbitrary(), doc =>
    {
        using var dir = new TempDir();
        var plan = Plan.ParseSot(doc.Text, "sot.md");
        string path = dir.File("plan.json");

        plan.Save(path);
        var loaded = Plan.Load(path);

        PlanAssert.Same(plan, loaded);
    });

    [Property(MaxTest = 100)]
    public Property ToJson_V1Plan_HasExactlyTheLegacyKeyOrder() => Prop.ForAll(SotV1PropertyTests.V1Gen.Documents.ToArbitrary(), doc =>
    {
        var plan = Plan.ParseSot(doc.Text, "sot.md");
        using var json = JsonDocument.Parse(plan.ToJson());

        var root = json.RootElement;
        Assert.Equal(["version", "source", "generated_at", "queues"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("version").GetInt32());
        Assert.Equal("sot.md", root.GetProperty("source").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", root.GetProperty("generated_at").GetString());
        var queues = root.GetProperty("queues").EnumerateArray().ToList();
        Assert.Equal(plan.Queues.Count, queues.Count);
        for (int q = 0; q < queues.Count; q++)
        {
            Assert.Equal(["name", "tasks"], queues[q].EnumerateObject().Select(p => p.Name));
            Assert.Equal(plan.Queues[q].Name, queues[q].GetProperty("name").GetString());
            var tasks = queues[q].GetProperty("tasks").EnumerateArray().ToList();
            Assert.Equal(plan.Queues[q].Tasks.Select(t => t.Id), tasks.Select(t => t.GetProperty("id").GetString()));
            Assert.All(tasks, t => Assert.Equal(["id", "title", "layer"], t.EnumerateObject().Select(p => p.Name)));
        }
    });

    [Fact]
    public void ParseSot_QuotedAndJsonRun_GiveTheSameArgv()
    {
        string text = "- [ ] `A-1` Quoted\n  - run: dotnet \"my app.dll\" \"say \\\"hi\\\"\" back\\slash \"\"\n"
            + "- [ ] `A-2` Json\n  - run: [\"dotnet\", \"my app.dll\", \"say \\\"hi\\\"\", \"back\\\\slash\", \"\"]\n";

        var plan = Plan.ParseSot(text);

        string[] expected = ["dotnet", "my app.dll", "say \"hi\"", "back\\slash", ""];
        Assert.Equal(expected, plan.Tasks[0].Run);
        Assert.Equal(expected, plan.Tasks[1].Run);
    }

    /// <summary>One generated task: what the plan must say.</summary>
    public sealed record TaskModel(
        string Id,
        string Title,
        string Queue,
        string? Agent,
        string[]? Run,
        string[] Needs,
        (string Text, Capability Value)[] Effects,
        long? TimeoutMs,
        int? Retries,
        string? Layer,
        string? Description,
        bool Done);

    /// <summary>How one task is written: bullets, indents, separators, key case, value forms, order.</summary>
    public sealed record TaskStyle(
        char Bullet,
        char AttrBullet,
        char DoneMark,
        string Indent,
        string AttrIndent,
        string TitleSeparator,
        string Trailing,
        int KeyCase,
        string Colon,
        bool RunAsJson,
        int NeedsForm,
        bool Backticks,
        bool EffectsBackticked,
        int TimeoutUnit,
        string[] Order,
        int Extras,
        bool ParagraphAfter);

    public sealed record V2Doc(TaskModel[] Tasks, TaskStyle[] Styles, bool Preamble, string Newline)
    {
        public string Text => V2Gen.Render(this);

        public override string ToString() => Text;
    }

    internal static class V2Gen
    {
        private static readonly string[] Keys = ["agent", "run", "needs", "effects", "timeout", "retries", "layer", "description"];

        private static readonly (string Text, Capability Value)[] EffectPool =
        [
            ("process:git", Capability.Process("git")),
            ("fs.read:./src", Capability.FileRead("./src")),
            ("fs.write:./artifacts/out dir", Capability.FileWrite("./artifacts/out dir")),
            ("net:example.org", Capability.Network("example.org")),
            ("net:example.org:443", Capability.Network("example.org", 443)),
            ("net:[::1]:8080", Capability.Network("::1", 8080)),
            ("net:::1", Capability.Network("::1")),
            ("tool:search", Capability.Tool("search")),
            ("env:HOME", Capability.Env("HOME")),
        ];

        private static readonly Gen<string[]> Argv =
            from first in Gen.Elements("echo", "dotnet", "git", "my tool", "/usr/bin/env", "C:\\Tools\\x.exe")
            from count in Gen.Choose(0, 4)
            from rest in Gen.ArrayOf(Gen.Elements("build", "--flag", "a b", "say \"hi\"", "back\\slash", string.Empty, "x=1", "ünïcode", "tab\there", "[x]", "-c", "'single'", "#hash", "a,b", "trailing ", "\\\""), count)
            select new[] { first }.Concat(rest).ToArray();

        private static readonly Gen<string> Title =
            Gen.Frequency(
                (1, Gen.Constant(string.Empty)),
                (5, Gen.Choose(1, 5).SelectMany(n => Gen.ArrayOf(Gen.Elements("Build", "the", "API", "C#", "v2.0", "&", "(x)", "`code`", "Ünïcode", "50%", "a:b", "x—y", "#1"), n)).Select(w => string.Join(' ', w))));

        private static Gen<TaskModel> Task(string id, string queue, string[] earlier) =>
            from title in Title
            from kind in Gen.Choose(0, 5)
            from argv in Argv
            from needMask in Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true))), earlier.Length)
            from effects in Gen.Frequency((2, Gen.Constant(Array.Empty<(string, Capability)>())), (1, Gen.NonEmptyListOf(Gen.Elements(EffectPool)).Select(l => l.Take(4).ToArray())))
            from timeout in Gen.Frequency((2, Gen.Constant<long?>(null)), (1, Gen.Elements<long?>(1, 250, 1500, 30_000, 90_000, 120_000, 300_000, 3_600_000, 7_200_000)))
            from retries in Gen.Frequency((2, Gen.Constant<int?>(null)), (1, Gen.Choose(0, 100).Select(r => (int?)r)))
            from layer in Gen.Frequency((3, Gen.Constant<string?>(null)), (1, Gen.Elements<string?>("foundation", "custom-layer", "ops.v2")))
            from description in Gen.Frequency((2, Gen.Constant<string?>(null)), (1, Gen.Elements<string?>("Builds the thing: fast", "Uses `code` inline", "Ünïcode — and dashes", "a, b and c")))
            from done in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
            select new TaskModel(
                id,
                title,
                queue,
                kind switch { 1 => "noop", 2 or 4 => "shell", _ => null },
                kind >= 3 ? argv : null,
                earlier.Where((_, i) => needMask[i]).ToArray(),
                effects,
                timeout,
                retries,
                layer,
                description,
                done);

        private static readonly Gen<TaskStyle> Style =
            from bullet in Gen.Elements('-', '*', '+')
            from attrBullet in Gen.Elements('-', '*', '+')
            from doneMark in Gen.Elements('x', 'X')
            from indent in Gen.Elements(string.Empty, string.Empty, " ", "  ")
            from attrIndent in Gen.Elements("  ", "    ", "\t", "   ")
            from sep in Gen.Elements(" ", " — ", " - ", ": ", " – ", "  ")
            from trailing in Gen.Elements(string.Empty, string.Empty, " ", "\t ")
            from keyCase in Gen.Choose(0, 2)
            from colon in Gen.Elements(": ", ":", " : ", ":\t", ":  ")
            from json in Gen.Elements(true, false)
            from needsForm in Gen.Choose(0, 3)
            from backticks in Gen.Elements(true, false)
            from effectsBackticked in Gen.Elements(true, false)
            from unit in Gen.Choose(0, 3)
            from order in Gen.Shuffle(Keys)
            from extras in Gen.Choose(0, 7)
            from paragraph in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
            select new TaskStyle(bullet, attrBullet, doneMark, indent, attrIndent, sep, trailing, keyCase, colon, json, needsForm, backticks, effectsBackticked, unit, order.ToArray(), extras, paragraph);

        public static readonly Gen<V2Doc> Documents =
            from n in Gen.Choose(1, 12)
            from numbers in Gen.Shuffle(Enumerable.Range(0, 130)).Select(a => a.Take(n).ToArray())
            from prefixes in Gen.ArrayOf(Gen.Elements("TASK", "A", "B2", "QA", "X9Z"), n)
            from widths in Gen.ArrayOf(Gen.Choose(1, 4), n)
            let ids = Enumerable.Range(0, n).Select(i => prefixes[i] + "-" + numbers[i].ToString(CultureInfo.InvariantCulture).PadLeft(widths[i], '0')).ToArray()
            from queues in Gen.ArrayOf(Gen.Elements("Default", "Build", "Test & Lint", "Queue B — Deploy", "Release 2.0"), n)
            from tasks in Gen.CollectToArray(Enumerable.Range(0, n), i => Task(ids[i], queues[i], ids[..i]))
            from styles in Gen.ArrayOf(Style, n)
            from preamble in Gen.Elements(true, false)
            from newline in Gen.Elements("\n", "\r\n", "\r")
            select new V2Doc(tasks, styles, preamble, newline);

        public static string Render(V2Doc doc)
        {
            var lines = new List<string>();
            if (doc.Preamble)
            {
                lines.AddRange([
                    "Intro text for the plan.", string.Empty, "```md", "- [ ] `FAKE-1` inside a fence", "  - agent: nobody", "```",
                    "~~~", "- [ ] `FAKE-2` inside a tilde fence", "~~~", "- a plain bullet", "- [ ] no id here", "- [ ] TASK-9 unbackticked", string.Empty,
                ]);
            }

            string? queue = null;
            for (int i = 0; i < doc.Tasks.Length; i++)
            {
                var t = doc.Tasks[i];
                var s = doc.Styles[i];
                if (t.Queue != queue && !(queue is null && t.Queue == "Default"))
                {
                    string hashes = new('#', 1 + (i % 4));
                    lines.Add(i % 3 == 0 ? $"{hashes} {t.Queue} {hashes}" : $"{hashes} {t.Queue}");
                    if (i % 2 == 0)
                    {
                        lines.Add(string.Empty);
                    }
                }

                queue = t.Queue;
                string title = t.Title.Length == 0 ? string.Empty : s.TitleSeparator + t.Title;
                lines.Add($"{s.Indent}{s.Bullet} [{(t.Done ? s.DoneMark : ' ')}] `{t.Id}`{title}{s.Trailing}");
                int extra = s.Extras;
                foreach (string key in s.Order)
                {
                    if (Value(t, s, key) is not { } value)
                    {
                        continue;
                    }

                    string written = s.KeyCase switch { 1 => char.ToUpperInvariant(key[0]) + key[1..], 2 => key.ToUpperInvariant(), _ => key };
                    lines.Add($"{s.Indent}{s.AttrIndent}{s.AttrBullet} {written}{s.Colon}{value}");
                    if ((extra & 1) != 0)
                    {
                        lines.Add(string.Empty);
                    }

                    if ((extra & 2) != 0)
                    {
                        lines.Add($"{s.Indent}{s.AttrIndent}A note about the task, not an attribute.");
                    }

                    if ((extra & 4) != 0 && s.Indent.Length == 0 && s.AttrIndent == "  ")
                    {
                        lines.AddRange(["  ```", "  - agent: nobody", "  - bogus: key", "  ```"]);
                    }

                    extra >>= 1;
                }

                if (s.ParagraphAfter)
                {
                    lines.Add("A paragraph between tasks.");
                }
            }

            return string.Join(doc.Newline, lines) + doc.Newline;
        }

        private static string? Value(TaskModel t, TaskStyle s, string key)
        {
            string Tick(string v) => s.Backticks ? "`" + v + "`" : v;
            return key switch
            {
                "agent" => t.Agent is null ? null : Tick(t.Agent),
                "run" => t.Run is null ? null : s.RunAsJson ? JsonSerializer.Serialize(t.Run) : string.Join(' ', t.Run.Select(Quote)),
                "needs" => t.Needs.Length == 0 ? null : s.NeedsForm switch
                {
                    0 => string.Join(", ", t.Needs),
                    1 => string.Join(",", t.Needs),
                    2 => string.Join(" ", t.Needs),
                    _ => string.Join(", ", t.Needs.Select(n => "`" + n + "`")),
                },
                "effects" => t.Effects.Length == 0 ? null : string.Join(", ", t.Effects.Select(e => s.EffectsBackticked ? "`" + e.Text + "`" : e.Text)),
                "timeout" => t.TimeoutMs is { } ms ? Tick(Duration(ms, s.TimeoutUnit)) : null,
                "retries" => t.Retries is { } r ? Tick(r.ToString(CultureInfo.InvariantCulture)) : null,
                "layer" => t.Layer is null ? null : Tick(t.Layer),
                "description" => t.Description,
                _ => null,
            };
        }

        /// <summary>A command-line word: bare when safe, else in double quotes with \" and \\ escaped.</summary>
        private static string Quote(string arg)
        {
            if (arg.Length > 0 && !arg.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\'))
            {
                return arg;
            }

            var sb = new StringBuilder("\"");
            foreach (char c in arg)
            {
                if (c is '"' or '\\')
                {
                    sb.Append('\\');
                }

                sb.Append(c);
            }

            return sb.Append('"').ToString();
        }

        /// <summary>Writes milliseconds in a unit that divides them exactly, the larger the higher <paramref name="unit"/> asks.</summary>
        private static string Duration(long ms, int unit)
        {
            if (unit >= 3 && ms % 3_600_000 == 0)
            {
                return (ms / 3_600_000).ToString(CultureInfo.InvariantCulture) + "h";
            }

            if (unit >= 2 && ms % 60_000 == 0)
            {
                return (ms / 60_000).ToString(CultureInfo.InvariantCulture) + "m";
            }

            return unit >= 1 && ms % 1000 == 0 ? (ms / 1000).ToString(CultureInfo.InvariantCulture) + "s" : ms.ToString(CultureInfo.InvariantCulture) + "ms";
        }
    }
}
