using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

public sealed class PlanJsonTests
{
    [Fact]
    public void Load_LegacyPlan_ReadsTheLegacyShape()
    {
        const string json = """
            {
              "version": 1,
              "source": "sot.md",
              "generated_at": "2025-10-01T12:00:00Z",
              "queues": [
                { "name": "Queue A — Workspace Bootstrapping",
                  "tasks": [ { "id": "TASK-001", "title": "TASK-001", "layer": "foundation", "extra": "kept out" } ] }
              ],
              "from_a_newer_port": true
            }
            """;

        var plan = Plan.ParseJson(json);

        Assert.Equal(1, plan.Version);
        Assert.Equal("sot.md", plan.Source);
        Assert.Equal(new DateTimeOffset(2025, 10, 1, 12, 0, 0, TimeSpan.Zero), plan.GeneratedAt);
        Assert.Equal("Queue A — Workspace Bootstrapping", Assert.Single(plan.Queues).Name);
        Assert.Equal("foundation", Assert.Single(plan.Tasks).Layer);
        Assert.True(plan.Validate().IsValid);
    }

    [Fact]
    public void ToJson_V1Plan_WritesLegacyKeysInOrder()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2025, 10, 1, 12, 0, 0, 123, TimeSpan.Zero));
        var plan = Plan.ParseSot("### G. Execution Queue & Task Hooks\n1. **Queue A — X**\n- Tasks: `TASK-001`\n", "sot.md", new PlanReadOptions { TimeProvider = time });

        string json = plan.ToJson();

        Assert.Equal(
            """
            {
              "version": 1,
              "source": "sot.md",
              "generated_at": "2025-10-01T12:00:00Z",
              "queues": [
                {
                  "name": "Queue A — X",
                  "tasks": [
                    {
                      "id": "TASK-001",
                      "title": "TASK-001",
                      "layer": "foundation"
                    }
                  ]
                }
              ]
            }

            """.ReplaceLineEndings("\n"),
            json);
    }

    [Fact]
    public void SaveAndLoad_V2Plan_RoundTripsEveryAttribute()
    {
        using var dir = new TempDirectory();
        var plan = Plan.ParseSot("""
            ## Q
            - [ ] `A-1` one
              - agent: shell
              - run: ["echo", "two words", ""]
              - effects: process:echo, net:[::1]:443, net:example.org
              - timeout: 90s
              - retries: 3
              - layer: services
              - description: a "quoted" description
            - [x] `A-2` two
              - needs: A-1
            """, "sot.md");
        string path = Path.Combine(dir.Path, "out", "plan.json");

        plan.Save(path);
        var loaded = Plan.Load(path);

        Assert.Equal(plan.ToJson(), loaded.ToJson());
        Assert.Equal(["echo", "two words", ""], loaded.Tasks[0].Run);
        Assert.Equal(TimeSpan.FromSeconds(90), loaded.Tasks[0].Timeout);
        Assert.Equal("net:[::1]:443", loaded.Tasks[0].Effects[1].ToString());
        Assert.True(loaded.Tasks[1].IsDone);
        Assert.Equal(["A-1"], loaded.Tasks[1].Needs);
    }

    [Theory]
    [InlineData("{\"version\": 1, \"queues\": [", 1, "not valid JSON")]
    [InlineData("[]", 1, "a plan.json is a JSON object")]
    [InlineData("{\"queues\": []}", 1, "no \"version\"")]
    [InlineData("{\"version\": 3, \"queues\": []}", 1, "reads versions 1 and 2")]
    [InlineData("{\"version\": 1}", 1, "no \"queues\"")]
    [InlineData("{\n\"version\": 1,\n\"queues\": [ { \"name\": 3, \"tasks\": [] } ]\n}", 3, "not a non-empty string")]
    [InlineData("{\n\"version\": 1,\n\"queues\": [ { \"name\": \"q\", \"tasks\": [ {} ] } ]\n}", 3, "has no \"id\"")]
    [InlineData("", 1, "not valid JSON")]
    public void ParseJson_NotAPlan_ThrowsWithLineAndProblem(string json, int line, string problem)
    {
        var ex = Assert.Throws<PlanParseException>(() => Plan.ParseJson(json));

        Assert.Equal(line, ex.Line);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsTransient);
    }

    [Fact]
    public void Load_V2WithBadValues_ReportsThemAsValidationProblemsWithLines()
    {
        using var dir = new TempDirectory();
        string path = dir.File("plan.json", """
            {
              "version": 2,
              "queues": [ { "name": "q", "tasks": [
                { "id": "A-1", "timeout": "soon", "retries": -2, "colour": "red",
                  "effects": ["disk:/"], "run": "echo" }
              ] } ]
            }
            """);

        var problems = Plan.Load(path).Validate().Diagnostics;

        Assert.Equal(
            [PlanDiagnosticCodes.MalformedEffect, PlanDiagnosticCodes.MalformedDuration, PlanDiagnosticCodes.MalformedArgv, PlanDiagnosticCodes.UnknownAttribute, PlanDiagnosticCodes.MalformedAttribute],
            problems.Select(p => p.Code).Order(StringComparer.Ordinal));
        Assert.All(problems, p => Assert.Equal(path, p.Location?.File));
        Assert.All(problems, p => Assert.InRange(p.Location!.Value.Line, 4, 5));
    }

    [Theory]
    [InlineData("{\"version\": 2, \"x\": 1, \"queues\": [{\"name\": \"Q\", \"y\": [\"a\"], \"tasks\": [{\"id\": \"A-1\", \"z\": {}, \"run\": [\"say \\\"hi\\\"\", 1], \"needs\": \"B\", \"retries\": 1e3, \"done\": null, \"agent\": \"shell\", \"agent\": 5}]}], \"w\": null}")]
    [InlineData("{\"queues\": [{\"tasks\": [{\"id\": \"A-1\"}], \"name\": \"Q\"}], \"version\": 2}")]
    [InlineData("{\"version\": 2, \"queues\": [{\"name\": \"Q\", \"tasks\": [{\"id\": \"A-1\", \"effects\": [\"net:[[x]\", \"process:git\", \"net:[[x]\"], \"timeout\": \"0s\"}]}, {\"name\": \"R\", \"bogus\": 1, \"tasks\": []}]}")]
    [InlineData("{\"version\": 1, \"source\": null, \"queues\": [{\"name\": \"Q\", \"tasks\": [{\"id\": \"TASK-001\", \"agent\": 5, \"bogus\": [1]}]}]}")]
    [InlineData("{\"version\": 2, \"queues\": [{\"name\": \"Q\", \"tasks\": [{\"id\": \"A-1\", \"title\": 5}]}]}")]
    [InlineData("{\"version\": 2, \"queues\": [{\"name\": \"Q\", \"tasks\": [{\"id\": \"A-1\"}]}]} x")]
    [InlineData("{\"version\": 2, \"version\": 1, \"queues\": []}")]
    [InlineData("{\n  \"version\": 2,\n  \"queues\": [{\"name\": \"Qé\u2028\", \"tasks\": [\n {\"id\": \"A-1\", \"needs\": [\"ü\"]}]}]}")]
    public void Read_OnePassReader_GivesWhatTheTreeReaderGives(string json)
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(json);

        Assert.Equal(Outcome(() => PlanJsonReader.ReadWithTree(utf8, "p.json")), Outcome(() => PlanJsonReader.Read(utf8, "p.json")));

        static string Outcome(Func<Plan> read)
        {
            try
            {
                return PlanAssert.Describe(read());
            }
            catch (PlanParseException ex)
            {
                return $"throws {ex.Line}:{ex.Column} {ex.Message}";
            }
        }
    }
}
