using Microsoft.Extensions.AI;
using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Agents.Composition;

public sealed class ToolAgentTests
{
    [Fact]
    public async Task RunAsync_GrantedTool_CallsItWithTypedArgumentsFromTheTask()
    {
        var seen = new List<(string Path, int Depth)>();
        var scan = AIFunctionFactory.Create((string path, int depth) => { seen.Add((path, depth)); return $"scanned {path}"; }, "scan");
        var registry = new AgentRegistry().Add("scan", () => new ToolAgent(ToolStep.Create(scan, new Dictionary<string, object?> { ["path"] = "src/{id}", ["depth"] = 2 })));
        var plan = Plan.Builder().Task("T-1", t => t.Agent("scan").Effects(Capability.Tool("scan"))).Build();

        var result = await AgentTestKit.RunAsync(plan, registry);

        Assert.Equal(TaskRunStatus.Succeeded, AgentTestKit.Task(result, "T-1").Status);
        Assert.Equal([("src/T-1", 2)], seen);
    }

    [Fact]
    public async Task RunAsync_ToolNotGranted_IsDeniedAuditedAndNotCalled()
    {
        int calls = 0;
        var deploy = AIFunctionFactory.Create(() => { calls++; return "deployed"; }, "deploy");
        var registry = new AgentRegistry().Add("deploy", () => new ToolAgent(ToolStep.Create(deploy)));
        var plan = Plan.Builder().Task("T-1", t => t.Agent("deploy")).Build();
        var auditor = new RecordingAuditor();

        var result = await AgentTestKit.RunAsync(plan, registry, auditor);

        Assert.Equal(TaskRunStatus.Denied, AgentTestKit.Task(result, "T-1").Status);
        Assert.Equal(0, calls);
        var decision = Assert.Single(auditor.Decisions);
        Assert.False(decision.Allowed);
        Assert.Equal("tool:deploy", decision.Requested.ToString());
    }

    [Fact]
    public async Task RunAsync_SequenceWithFailingStep_StopsAtTheFailure()
    {
        var order = new List<string>();
        var a = AIFunctionFactory.Create(() => { order.Add("a"); return "ok"; }, "a");
        var b = AIFunctionFactory.Create(string () => { order.Add("b"); throw new InvalidOperationException("disk full"); }, "b");
        var c = AIFunctionFactory.Create(() => { order.Add("c"); return "ok"; }, "c");
        var registry = new AgentRegistry().Add("steps", () => new ToolAgent(ToolStep.Create(a), ToolStep.Create(b), ToolStep.Create(c)));
        var plan = Plan.Builder().Task("T-1", t => t.Agent("steps").Effects(Capability.Tool("a"), Capability.Tool("b"), Capability.Tool("c"))).Build();

        var result = await AgentTestKit.RunAsync(plan, registry);

        var task = AgentTestKit.Task(result, "T-1");
        Assert.Equal(TaskRunStatus.Failed, task.Status);
        Assert.Contains("disk full", task.Reason, StringComparison.Ordinal);
        Assert.Equal(["a", "b"], order);
    }

    [Fact]
    public async Task RunAsync_ArgumentsFromCode_FailsTheTaskWhenTheTaskLacksThem()
    {
        var echo = AIFunctionFactory.Create((string text) => text, "echo");
        var step = ToolStep.Create(echo, context => context.Task.Description is { } d ? new AIFunctionArguments { ["text"] = d } : throw new ArgumentException("the task has no description"));
        var registry = new AgentRegistry().Add("echo", () => new ToolAgent(step));
        var plan = Plan.Builder().Task("T-1", t => t.Agent("echo").Effects(Capability.Tool("echo"))).Build();

        var result = await AgentTestKit.RunAsync(plan, registry);

        Assert.Contains("the task has no description", AgentTestKit.Task(result, "T-1").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NoSteps_Throws() => Assert.Throws<ArgumentException>(() => new ToolAgent());
}
