using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Hierarchy;
using TaskExecKit.Planning;
using TaskExecKit.Tests.Agents.Composition;

namespace TaskExecKit.Tests.ToolPlans;

/// <summary>A plan gives a tool agent its tool (<c>tool:</c>) and typed arguments (<c>args:</c>), checked at validation.</summary>
public sealed class ToolPlanTests
{
    private readonly ConcurrentQueue<string> _calls = new();

    private AgentRegistry Registry() => AgentRegistry.CreateDefault().AddTools("tools",
        AIFunctionFactory.Create((string path, int depth) => { _calls.Enqueue($"scan {path} {depth}"); return $"scanned {path}"; }, "scan"),
        AIFunctionFactory.Create((string message) => { _calls.Enqueue($"notify {message}"); return "sent"; }, "notify"));

    private static Plan Sot(string body) => Plan.ParseSot("# Work\n\n" + body, "sot.md");

    [Fact]
    public async Task Run_ToolAndArgsFromSot_CallTheToolWithTypedArguments()
    {
        var plan = Sot("""
            - [ ] `TASK-001` Scan the sources
              - agent: tools
              - tool: scan
              - args: path=src, depth=2
              - effects: tool:scan
            - [ ] `TASK-002` Tell the team
              - agent: tools
              - tool: notify
              - args: {"message": "scan done, 2 levels"}
              - effects: tool:notify
              - needs: TASK-001
            """);

        var result = await AgentTestKit.RunAsync(plan, Registry());

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["scan src 2", "notify scan done, 2 levels"], _calls);
    }

    [Fact]
    public async Task Run_ToolNotGranted_IsDeniedAndNotCalled()
    {
        var plan = Sot("""
            - [ ] `TASK-001` Scan
              - agent: tools
              - tool: scan
              - args: path=src, depth=1
            """);
        var auditor = new RecordingAuditor();

        var result = await AgentTestKit.RunAsync(plan, Registry(), auditor);

        Assert.Equal(TaskRunStatus.Denied, AgentTestKit.Task(result, "TASK-001").Status);
        Assert.Empty(_calls);
        Assert.Contains(auditor.Decisions, d => !d.Allowed && d.Requested.ToString() == "tool:scan");
    }

    [Fact]
    public void Validate_UnknownTool_ListsTheAgentsToolsWithFileAndLine()
    {
        var plan = Sot("""
            - [ ] `TASK-001` Scan
              - agent: tools
              - tool: sacn
              - args: path=src
            """);

        var d = Assert.Single(plan.Validate(Registry().CreateValidationOptions()).Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.UnknownTool, d.Code);
        Assert.Equal("task TASK-001 names tool 'sacn', which agent 'tools' does not have; its tools: notify, scan", d.Message);
        Assert.Equal((5, 5), (d.Location!.Value.Line, d.Location.Value.Column));
    }

    [Fact]
    public void Validate_ArgumentOfTheWrongType_NamesItWithFileAndLine()
    {
        using var dir = new TempDirectory();
        string file = dir.Combine("sot.md");
        File.WriteAllText(file, "# Work\n\n- [ ] `TASK-001` Scan\n  - agent: tools\n  - tool: scan\n  - args: path=src, depth=deep\n");
        var plan = Plan.FromSot(file);

        var d = Assert.Single(plan.Validate(Registry().CreateValidationOptions()).Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.ToolArgumentsMismatch, d.Code);
        Assert.Contains("tool 'scan'", d.Message, StringComparison.Ordinal);
        Assert.Contains("$.depth", d.Message, StringComparison.Ordinal);
        Assert.Equal(6, d.Location!.Value.Line);
        Assert.Equal(file, d.Location.Value.File);
        Assert.StartsWith($"{file}:6:5: error TEK012", d.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingRequiredAndUnknownArguments_AreProblems()
    {
        var plan = Sot("""
            - [ ] `TASK-001` Scan
              - agent: tools
              - tool: scan
              - args: path=src, dpeth=2
            """);

        var d = Assert.Single(plan.Validate(Registry().CreateValidationOptions()).Diagnostics);

        Assert.Contains("$.dpeth: tool 'scan' takes no such argument; it takes: path, depth", d.Message, StringComparison.Ordinal);
        Assert.Contains("depth", d.Message.Replace("dpeth", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralToolsAndNoToolNamed_AsksForOne()
    {
        var plan = Sot("""
            - [ ] `TASK-001` Scan
              - agent: tools
              - args: path=src, depth=1
            """);

        var d = Assert.Single(plan.Validate(Registry().CreateValidationOptions()).Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.UnknownTool, d.Code);
        Assert.Contains("several tools (notify, scan); name one with tool:", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OneToolAgent_NeedsNoToolName()
    {
        var registry = new AgentRegistry().AddTools("scan", AIFunctionFactory.Create((string path, int depth) => { _calls.Enqueue($"scan {path} {depth}"); return "ok"; }, "scan"));
        var plan = Sot("""
            - [ ] `TASK-001` Scan
              - agent: scan
              - args: {"path": "lib", "depth": 3}
              - effects: tool:scan
            """);

        var result = await AgentTestKit.RunAsync(plan, registry);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["scan lib 3"], _calls);
    }

    [Fact]
    public void Validate_ToolGivenToAnAgentThatRunsNoTools_IsAProblem()
    {
        var plan = Sot("""
            - [ ] `TASK-001` Scan
              - agent: shell
              - tool: scan
            """);

        var d = Assert.Single(plan.Validate(Registry().CreateValidationOptions()).Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.UnknownTool, d.Code);
        Assert.Equal("task TASK-001 gives 'tool' but runs on agent 'shell', which runs no tools from the plan; name a tool agent in agent: (tool agents: tools)", d.Message);
    }

    [Fact]
    public async Task Run_BadArguments_FailValidationBeforeAnythingRuns()
    {
        var plan = Sot("""
            - [ ] `TASK-001` Notify first
              - agent: tools
              - tool: notify
              - args: message=hello
              - effects: tool:notify
            - [ ] `TASK-002` Scan
              - agent: tools
              - tool: scan
              - args: path=src
              - effects: tool:scan
            """);

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => AgentTestKit.RunAsync(plan, Registry()));

        Assert.Contains("TEK012", ex.Message, StringComparison.Ordinal);
        Assert.Contains("depth", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_calls);
    }

    [Theory]
    [InlineData("args: path", "without '='")]
    [InlineData("args: path=src, path=lib", "give 'path' more than once")]
    [InlineData("args: {\"path\": ", "not valid JSON")]
    [InlineData("args: [1, 2]", "without '='")]
    [InlineData("args: 9x=1", "is not a name")]
    [InlineData("args: list=[1, 2", "it is not closed")]
    [InlineData("tool: not a name", "is not a tool name")]
    public void ParseSot_MalformedToolOrArgs_IsAProblemAtItsLine(string line, string expected)
    {
        var plan = Sot($"- [ ] `TASK-001` Scan\n  - agent: tools\n  - {line}\n");

        var d = Assert.Single(plan.Validate(new PlanValidationOptions { CheckAgents = false }).Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.MalformedAttribute, d.Code);
        Assert.Contains(expected, d.Message, StringComparison.Ordinal);
        Assert.Equal((5, 5), (d.Location!.Value.Line, d.Location.Value.Column));
    }

    [Fact]
    public void ParseJson_ArgsNotAnObject_IsAProblemAtItsPlace()
    {
        string json = """
            {
              "version": 2,
              "source": null,
              "generated_at": "2026-01-01T00:00:00Z",
              "queues": [ { "name": "Work", "tasks": [
                { "id": "TASK-001", "agent": "tools", "tool": "scan", "args": [1, 2] }
              ] } ]
            }
            """;

        var d = Assert.Single(Plan.ParseJson(json).Validate(new PlanValidationOptions { CheckAgents = false }).Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.MalformedAttribute, d.Code);
        Assert.Contains("has args an array, which is not a JSON object", d.Message, StringComparison.Ordinal);
        Assert.Equal(6, d.Location!.Value.Line);
    }

    [Fact]
    public void Builder_ToolAndArguments_RoundTripThroughPlanJson()
    {
        var args = JsonDocument.Parse("""{"path": "src", "depth": 2}""").RootElement;
        var plan = Plan.Builder().Task("T-1", t => t.Agent("tools").Tool("scan").Arguments(args)).Build();

        var read = Assert.Single(Plan.ParseJson(plan.ToJson()).Tasks);

        Assert.Equal("scan", read.Tool);
        Assert.True(JsonElement.DeepEquals(args, read.Arguments!.Value));
        Assert.True(plan.Validate(Registry().CreateValidationOptions()).IsValid);
    }

    [Fact]
    public async Task Hierarchy_ToolAgentInAStack_KeepsToolValidation()
    {
        var catalog = Registry();
        var cecca = Cecca.Builder()
            .Commander("build", c => c.Queues("Work").Agents(catalog, "tools", "noop"))
            .Executor(x => x.RetryDelay(TimeSpan.Zero))
            .Build();
        var bad = Sot("""
            - [ ] `TASK-001` Scan
              - agent: tools
              - tool: scan
              - args: path=src, depth=two
              - effects: tool:scan
            """);
        var good = Sot("""
            - [ ] `TASK-001` Scan
              - agent: tools
              - tool: scan
              - args: path=src, depth=2
              - effects: tool:scan
            """);

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => cecca.RunAsync(bad, "scan"));
        var result = await cecca.RunAsync(good, "scan");

        Assert.Contains("TEK012", ex.Message, StringComparison.Ordinal);
        Assert.True(result.Succeeded);
        Assert.Equal(["scan src 2"], _calls);
    }

    [Fact]
    public void AddTools_TwoToolsOfOneName_IsRejected()
    {
        var a = AIFunctionFactory.Create(() => "a", "same");
        var b = AIFunctionFactory.Create(() => "b", "same");

        var ex = Assert.Throws<ArgumentException>(() => new AgentRegistry().AddTools("tools", a, b));

        Assert.Contains("Two tools are named 'same'", ex.Message, StringComparison.Ordinal);
    }
}
