using System.Text;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

/// <summary>
/// Mutation fuzzing of every input format, with a fixed seed so failures reproduce. Reading a
/// sot.md never throws (problems become diagnostics); reading plan.json throws only
/// <see cref="PlanParseException"/>; Validate never throws; Analyze throws only
/// <see cref="PlanValidationException"/>; a valid plan's plan.json reads back to the same plan.
/// </summary>
public sealed class PlannerFuzzTests
{
    private const int Iterations = 4000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private const string SeedV1 =
        "# Project SoT\n\nSome intro with `TASK-999`.\n\n### G. Execution Queue & Task Hooks\n"
        + "1. **Queue A — Workspace Bootstrapping**\n   - Tasks: `TASK-001`, `TASK-002`\n"
        + "2. **Queue B — Services**  \r\n   - Tasks: `TASK-042`, `TASK-12345`\r\n"
        + "### G. Notes\n3. **Queue C — More**\n- Tasks: `TASK-060`\n## Other\n1. **Queue D — Ignored**\n";

    private const string SeedV2 =
        "# Build\n- [ ] `A-1` Restore\n  - agent: shell\n  - run: [\"dotnet\", \"restore\"]\n"
        + "  - effects: process:dotnet, fs.read:./src, net:api.nuget.org:443, net:[::1]:80\n  - timeout: 5m\n  - retries: 2\n"
        + "- [x] `A-2` — Compile\n  - needs: A-1\n  - run: dotnet build \"my app.sln\"\n  - agent: shell\n  - layer: services\n  - description: Builds: everything\n"
        + "## Test\n```text\n- [ ] `Z-9` fake\n```\n- [ ] `B-10` Test\n  - needs: `A-1`, `A-2`\n  - effects: env:HOME, tool:search, fs.write:./out\n  - timeout: 250ms\n"
        + "  Notes that are not attributes.\n* [ ] `C-3`: Last\n\t+ Agent: `noop`\n";

    private const string SeedV2Small = "- [ ] `X-1` One\n- [ ] `X-2` Two\n  - needs: X-1\n  - timeout: 1h\n";

    private const string SeedJsonV1 =
        "{\n  \"version\": 1,\n  \"source\": \"sot.md\",\n  \"generated_at\": \"2025-10-01T12:00:00Z\",\n  \"queues\": [\n"
        + "    { \"name\": \"Queue A — Workspace Bootstrapping\",\n      \"tasks\": [ { \"id\": \"TASK-001\", \"title\": \"TASK-001\", \"layer\": \"foundation\" } ] },\n"
        + "    { \"name\": \"Queue B — X\", \"tasks\": [ { \"id\": \"TASK-030\", \"extra\": [1, {\"a\": null}] }, { \"id\": \"TASK-031\" } ] }\n  ]\n}\n";

    private static readonly string[] SotTokens =
    [
        "- [ ] `A-1`", "- [x] `B-2` t", "  - needs: A-1", "  - needs: A-1, A-1, B-2", "  - needs: a-1", "  - run: [\"", "  - run: \"unterminated",
        "  - run: []", "  - run: [1]", "  - run: [\"\"]", "  - run: \"\"", "  - timeout: 999999999h", "  - timeout: 256204779h", "  - timeout: 0ms", "  - timeout: 1d",
        "  - retries: 101", "  - retries: 99999999999", "  - retries: -1", "  - effects: net:[::1", "  - effects: net:host:99999", "  - effects: net:[[x]",
        "  - effects: bogus:x", "  - effects: ,", "  - agent: nobody", "  - agent: noop", "  - bogus: x", "  - layer:", "  - description: `",
        "{", "}", "[", "]", "\"", "\\", "`", "\u0000", "```", "~~~", "# ", "######", "### G. Execution Queue & Task Hooks", "## ", "### x",
        "1. **Queue A — X**", "1. **Queue Z — **", "- Tasks: `TASK-001`", "`TASK-99999999999999999999`", "`TASK-000`", "\uFEFF", "\t", "\r", "\r\n",
        "\u2028", "—", "–", "[\"a\\u0000b\"]", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ];

    private static readonly string[] JsonTokens =
    [
        "{", "}", "[", "]", "\"", ",", ":", "null", "true", "false", "0", "-1", "1e400", "1.5", "\"\"", "\\u0000", "\\ud800", "\\",
        "\"version\": 2,", "\"version\": 3,", "\"version\": \"1\",", "\"timeout\": \"999999999h\",", "\"timeout\": \"256204779h\",", "\"timeout\": 5,",
        "\"retries\": 1e400,", "\"retries\": -1,", "\"retries\": 101,", "\"done\": 1,", "\"done\": true,", "\"needs\": [\"A-1\"],", "\"needs\": [\"TASK-001\"],",
        "\"needs\": \"x\",", "\"run\": [],", "\"run\": [\"\"],", "\"run\": [1],", "\"run\": [\"a\\u0000\"],", "\"effects\": [\"net:[[x]\"],", "\"effects\": [\"x\"],",
        "\"effects\": [\"net:[::1]:0\"],", "\"id\": \"\",", "\"id\": 5,", "\"agent\": \"nobody\",", "\"agent\": \"noop\", \"run\": [\"x\"],", "\"bogus\": 1,",
        "\"generated_at\": \"yesterday\",", "\"generated_at\": \"9999-12-31T23:59:59Z\",", "\"source\": null,", "\"queues\": {},", "\"tasks\": null,",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "/* c */", "\uFEFF", "\r\n", "\u2028",
    ];

    private static readonly byte[][] RawBytes = [[0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF0, 0x9F], [0x80], [0xEF, 0xBB, 0xBF], [0x00]];

    private static readonly byte[] InterestingBytes = "\"{}[],:`-\n\r# \t\\0"u8.ToArray();

    public static TheoryData<string> Formats => new() { "sot-v1", "sot-v2", "json-v1", "json-v2" };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Fuzz_MutatedInputs_ThrowOnlyDocumentedExceptions(string format)
    {
        using var cts = new CancellationTokenSource(Budget);
        var state = new FuzzState();
        var work = Task.Run(() => Run(format, state, cts.Token), CancellationToken.None);
        try
        {
            await work.WaitAsync(Budget + TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{format}: the fuzz loop did not finish in {Budget.TotalSeconds} s; stuck on iteration {state.Iteration}:\n{PlanAssert.Truncate(state.Current)}");
        }

        Assert.False(cts.IsCancellationRequested && state.Iteration < Iterations, $"{format}: only {state.Iteration} of {Iterations} inputs in {Budget.TotalSeconds} s");
        Assert.True(state.Failures.Count == 0, $"{format}: {state.Failures.Count} kind(s) of failure:\n\n" + string.Join("\n\n", state.Failures.Values));
    }

    [Theory]
    [InlineData("999999999h")]
    [InlineData("256204779h")]
    public void ParseSot_TimeoutTooLongForTimeSpan_IsMalformedDuration(string timeout)
    {
        var plan = Plan.ParseSot($"- [ ] `A-1` x\n  - timeout: {timeout}\n");

        var diagnostic = Assert.Single(plan.Validate().Diagnostics);
        Assert.Equal(PlanDiagnosticCodes.MalformedDuration, diagnostic.Code);
        Assert.Null(plan.Tasks[0].Timeout);
    }

    [Fact]
    public void ParseJson_TimeoutTooLongForTimeSpan_IsMalformedDuration()
    {
        var plan = Plan.ParseJson("{\"version\": 2, \"queues\": [{\"name\": \"Q\", \"tasks\": [{\"id\": \"A-1\", \"timeout\": \"999999999h\"}]}]}");

        Assert.Equal(PlanDiagnosticCodes.MalformedDuration, Assert.Single(plan.Validate().Diagnostics).Code);
    }

    [Fact]
    public void Load_InvalidUtf8InAString_ThrowsPlanParseExceptionWithLocation()
    {
        using var dir = new TempDir();
        string path = dir.File("plan.json");
        byte[] head = Encoding.UTF8.GetBytes("{\n  \"version\": 1,\n  \"source\": \"s");
        File.WriteAllBytes(path, [.. head, 0xC3, 0x28, .. "\",\n  \"queues\": []\n}\n"u8.ToArray()]);

        var ex = Assert.Throws<PlanParseException>(() => Plan.Load(path));

        Assert.Equal(path, ex.File);
        Assert.Equal(3, ex.Line);
        Assert.Equal(13, ex.Column);
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("\\udc00x")]
    [InlineData("\\ud800\\u0041")]
    public void ParseJson_UnpairedSurrogateEscape_ThrowsPlanParseException(string escape)
    {
        string json = "{\"version\": 1, \"queues\": [{\"name\": \"Q" + escape + "\", \"tasks\": []}]}";

        var ex = Assert.Throws<PlanParseException>(() => Plan.ParseJson(json));

        Assert.Equal(1, ex.Line);
    }

    [Fact]
    public void ParseSot_JsonRunWithUnpairedSurrogate_IsMalformedArgv()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` x\n  - run: [\"echo\", \"\uD800\"]\n");

        Assert.Equal(PlanDiagnosticCodes.MalformedArgv, Assert.Single(plan.Validate().Diagnostics).Code);
    }

    private sealed class FuzzState
    {
        public volatile int Iteration;
        public volatile string Current = string.Empty;
        public Dictionary<string, string> Failures { get; } = new(StringComparer.Ordinal);
    }

    private static void Run(string format, FuzzState state, CancellationToken cancellationToken)
    {
        bool sot = format.StartsWith("sot", StringComparison.Ordinal);
        var seeds = Seeds(format).Select(Encoding.UTF8.GetBytes).ToArray();
        var tokens = (sot ? SotTokens : JsonTokens).Select(Encoding.UTF8.GetBytes).Concat(RawBytes).ToArray();
        var rng = new Random(format.Length * 7919 + format[^1]);

        // The seeds themselves must be fine before their mutants mean anything.
        foreach (var seed in seeds)
        {
            Assert.True(Read(seed, sot).Validate().IsValid, $"{format} seed is not valid:\n{Encoding.UTF8.GetString(seed)}");
        }

        for (int i = 0; i < Iterations && !cancellationToken.IsCancellationRequested; i++)
        {
            byte[] input = Mutate(seeds[rng.Next(seeds.Length)], rng, tokens);
            state.Iteration = i;
            state.Current = Encoding.UTF8.GetString(input);
            if (Check(input, sot) is { } failure)
            {
                string key = failure.GetType().FullName + " " + failure.StackTrace?.Split('\n').FirstOrDefault()?.Trim();
                state.Failures.TryAdd(key, $"iteration {i}: {failure.GetType().Name}: {failure.Message}\n{failure.StackTrace}\n--- input ---\n{PlanAssert.Truncate(state.Current, 700)}");
            }
        }
    }

    private static Exception? Check(byte[] input, bool sot)
    {
        if (!sot && CompareJsonReaders(input) is { } mismatch)
        {
            return mismatch;
        }

        Plan plan;
        try
        {
            plan = Read(input, sot);
        }
        catch (PlanParseException) when (!sot)
        {
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }

        try
        {
            var validation = plan.Validate();
            _ = plan.Validate(new PlanValidationOptions { CheckAgents = false });
            _ = validation.ToString();
            try
            {
                var analysis = plan.Analyze();
                _ = analysis.EstimateWallTime(1);
                _ = analysis.EstimateWallTime(3);
            }
            catch (PlanValidationException)
            {
            }

            if (validation.IsValid)
            {
                var back = Plan.ParseJson(plan.ToJson());
                PlanAssert.Same(plan, back);
                Assert.True(back.Validate().IsValid, "plan.json of a valid plan reads back invalid: " + back.Validate());
            }

            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>The one-pass plan.json reader must give exactly what the tree reader gives: the same plan or the same error.</summary>
    private static InvalidOperationException? CompareJsonReaders(byte[] input)
    {
        string fast = Outcome(() => PlanJsonReader.Read(input, "fuzz.json"));
        string tree = Outcome(() => PlanJsonReader.ReadWithTree(input, "fuzz.json"));
        return fast == tree ? null : new InvalidOperationException($"the one-pass and tree plan.json readers differ:\n{PlanAssert.Truncate(fast, 700)}\n--- tree ---\n{PlanAssert.Truncate(tree, 700)}");

        static string Outcome(Func<Plan> read)
        {
            try
            {
                return PlanAssert.Describe(read());
            }
            catch (PlanParseException ex)
            {
                return $"throws {ex.File}:{ex.Line}:{ex.Column} {ex.Message}";
            }
        }
    }

    /// <summary>Reads like Plan.FromSot (UTF-8 text) or Plan.Load (the file's bytes).</summary>
    private static Plan Read(byte[] input, bool sot)
        => sot ? Plan.ParseSot(Encoding.UTF8.GetString(input)) : PlanJsonReader.Read(input, "fuzz.json");

    private static IEnumerable<string> Seeds(string format) => format switch
    {
        "sot-v1" => [SeedV1, "### G. Execution Queue & Task Hooks\n1. **Queue A — A**\n- Tasks: `TASK-001`\n"],
        "sot-v2" => [SeedV2, SeedV2Small],
        "json-v1" => [SeedJsonV1, Plan.ParseSot(SeedV1, "sot.md").ToJson()],
        _ => [Plan.ParseSot(SeedV2, "sot.md").ToJson(), Plan.ParseSot(SeedV2Small).ToJson()],
    };

    private static byte[] Mutate(byte[] seed, Random rng, byte[][] tokens)
    {
        var data = new List<byte>(seed);
        int count = rng.Next(1, 6);
        for (int k = 0; k < count; k++)
        {
            int at = rng.Next(data.Count + 1);
            switch (rng.Next(10))
            {
                case 0 when data.Count > 0:
                    data[at % data.Count] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data.RemoveRange(at % data.Count, Math.Min(rng.Next(1, 24), data.Count - (at % data.Count)));
                    break;
                case 2:
                case 3:
                    data.InsertRange(at, tokens[rng.Next(tokens.Length)]);
                    break;
                case 4:
                    data.InsertRange(at, Enumerable.Range(0, rng.Next(1, 9)).Select(_ => (byte)rng.Next(256)));
                    break;
                case 5:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 6:
                    DuplicateLine(data, at, rng);
                    break;
                case 7:
                    var token = tokens[rng.Next(tokens.Length)];
                    var longLine = Enumerable.Repeat(token, rng.Next(200, 3000)).SelectMany(t => t).ToArray();
                    data.InsertRange(at, longLine);
                    break;
                case 8 when data.Count > 0:
                    data[at % data.Count] = InterestingBytes[rng.Next(InterestingBytes.Length)];
                    break;
                default:
                    data.InsertRange(at, "\n"u8.ToArray().Concat(tokens[rng.Next(tokens.Length)]).Concat("\n"u8.ToArray()));
                    break;
            }
        }

        return [.. data];
    }

    private static void DuplicateLine(List<byte> data, int at, Random rng)
    {
        if (data.Count == 0)
        {
            return;
        }

        int start = data.LastIndexOf((byte)'\n', Math.Min(at, data.Count - 1)) + 1;
        int end = data.IndexOf((byte)'\n', start);
        end = end < 0 ? data.Count : end + 1;
        var line = data.GetRange(start, end - start);
        int times = rng.Next(1, 4);
        for (int i = 0; i < times; i++)
        {
            data.InsertRange(start, line);
        }
    }
}
