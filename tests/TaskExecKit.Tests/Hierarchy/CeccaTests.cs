using TaskExecKit.Agents;
using TaskExecKit.Execution;
using TaskExecKit.Hierarchy;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;
using TaskExecKit.Tests.Agents.Composition;

namespace TaskExecKit.Tests.Hierarchy;

public sealed class CeccaTests
{
    private static Plan ThreeQueues() => Plan.ParseSot("""
        # Build
        - [ ] `B-1` compile
          - agent: work
        - [ ] `B-2` package
          - agent: work
          - needs: B-1
        # Test
        - [ ] `T-1` unit tests
          - agent: work
          - needs: B-2
        # Docs
        - [ ] `D-1` write notes
          - agent: work
          - needs: T-1
        """);

    [Fact]
    public async Task RunAsync_SplitByQueue_EachCommanderRunsItsTasksInDependencyOrder()
    {
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        ITaskAgent Recorder(string who) => new DelegateAgent((c, _) => { order.Enqueue($"{who}:{c.Task.Id}"); return ValueTask.FromResult(AgentResult.Success()); });
        var cecca = Cecca.Builder()
            .Commander("build", c => c.Queues("Build").Agent("work", () => Recorder("build")))
            .Commander("test", c => c.Queues("Test").Agent("work", () => Recorder("test")))
            .Commander("docs", c => c.Queues("Docs").Agent("work", () => Recorder("docs")))
            .SplitBy(CeccaSplit.Queue)
            .Build();

        var result = await cecca.RunAsync(ThreeQueues(), "ship it");

        Assert.True(result.Succeeded);
        Assert.Equal(["build:B-1", "build:B-2", "test:T-1", "docs:D-1"], order);
        Assert.Equal("test", result.RanOn["T-1"]);
        Assert.Equal([2, 1, 1], result.Commanders.Select(c => c.Assigned));
        Assert.Equal(3, result.Decisions.Count(d => d.Decision == "cecca.split"));
    }

    [Fact]
    public async Task RunAsync_TaskFailsOnItsCommander_IsDelegatedAndTheDecisionRecorded()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = dir.Combine("runtime"), DiscoverStore = false, WriteJsonLogs = false });
        var cecca = Cecca.Builder()
            .Commander("build", c => c.Queues("Build", "Test", "Docs").Agent("work", () => new CountingAgent(succeed: false)).DelegatesTo("backup"))
            .Commander("backup", c => c.Agent("work", () => new CountingAgent()))
            .Telemetry(telemetry)
            .Build();

        var result = await cecca.RunAsync(ThreeQueues(), "ship it");

        Assert.True(result.Succeeded);
        Assert.All(result.RanOn.Values, v => Assert.Equal("backup", v));
        Assert.Equal(4, result.Decisions.Count(d => d.Decision == "cecca.delegate"));
        await telemetry.FlushAsync();
        var events = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, "cecca", [TelemetryEventKind.Decision], 1000));
        Assert.Contains(events, e => e.Name == "cecca.delegate" && e.TaskId == "B-1" && e.Reason!.Contains("handed to backup", StringComparison.Ordinal));
        var audit = await telemetry.GetAuditEntriesAsync(TimeRange.LastHour);
        Assert.Contains(audit, a => a.Event.Name == "cecca.delegate");
    }

    [Fact]
    public async Task RunAsync_CommandersDelegatingToEachOther_NeverLoop()
    {
        var a = new CountingAgent(succeed: false);
        var b = new CountingAgent(succeed: false);
        var cecca = Cecca.Builder()
            .Commander("a", c => c.Queues("Build", "Test", "Docs").Agent("work", () => a).DelegatesTo("b"))
            .Commander("b", c => c.Agent("work", () => b).DelegatesTo("a"))
            .MaxDelegationDepth(16)
            .Build();

        var result = await cecca.RunAsync(Plan.Builder().Task("X-1", t => t.Agent("work").Queue("Build")).Build(), "loop?");

        Assert.False(result.Succeeded);
        Assert.Equal((1, 1), (a.Runs, b.Runs));
        var escalation = Assert.Single(result.Decisions, d => d.Decision == "cecca.escalate");
        Assert.Contains("no other commander can take it (tried a → b)", escalation.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_DepthLimit_BoundsHowManyCommandersTryATask()
    {
        var agents = Enumerable.Range(0, 4).Select(_ => new CountingAgent(succeed: false)).ToArray();
        var builder = Cecca.Builder().MaxDelegationDepth(2);
        for (int i = 0; i < 4; i++)
        {
            int n = i;
            builder.Commander($"c{n}", c => c.Agent("work", () => agents[n]));
        }

        var result = await builder.Build().RunAsync(Plan.Builder().Task("X-1", t => t.Agent("work")).Build(), "deep");

        Assert.Equal(2, agents.Sum(a => a.Runs));
        Assert.Contains(result.Decisions, d => d.Decision == "cecca.escalate" && d.Reason.Contains("depth limit (2)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_CeccaTokenBudgetSpent_StopsCleanlyWithTheReason()
    {
        var plan = Plan.Builder();
        for (int i = 1; i <= 6; i++)
        {
            int n = i;
            plan.Task($"W-{n}", t => { t.Agent("work"); if (n > 1) { t.Needs($"W-{n - 1}"); } });
        }

        var cecca = Cecca.Builder()
            .Budget(new Budget(MaxTokens: 100, MaxConcurrency: 1))
            .Commander("only", c => c.Agent("work", () => new CountingAgent(tokensPerRun: 40)))
            .Build();

        var result = await cecca.RunAsync(plan.Build(), "spend");

        Assert.NotNull(result.StopReason);
        Assert.Contains("token budget of 'cecca' is spent", result.StopReason, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Cancelled, result.Run.Status);
        Assert.InRange(result.Usage.Tokens, 100, 139);
        Assert.Equal(TaskRunStatus.Cancelled, result.Run.Tasks[^1].Status);
        Assert.Contains(result.Decisions, d => d.Decision == "cecca.stop");
    }

    [Fact]
    public async Task RunAsync_CommanderShareSpent_TheOtherCommanderTakesOver()
    {
        var plan = Plan.Builder();
        for (int i = 1; i <= 6; i++)
        {
            plan.Task($"W-{i}", t => t.Agent("work"));
        }

        var first = new CountingAgent();
        var second = new CountingAgent();
        var cecca = Cecca.Builder()
            .Budget(new Budget(MaxTasks: 20, MaxConcurrency: 2))
            .Commander("first", c => c.Agent("work", () => first).Budget(new Budget(MaxTasks: 2, MaxConcurrency: 1)))
            .Commander("second", c => c.Agent("work", () => second))
            .SplitBy(_ => "first")
            .Build();

        var result = await cecca.RunAsync(plan.Build(), "share");

        Assert.True(result.Succeeded);
        Assert.Equal((2, 4), (first.Runs, second.Runs));
        Assert.Equal(2, result.Commanders[0].Usage.Tasks);
        Assert.NotNull(result.Commanders[0].ExhaustedReason);
        Assert.Equal(new Budget(MaxTasks: 18, MaxConcurrency: 1), result.Commanders[1].Budget);
    }

    [Fact]
    public async Task RunAsync_Replan_RunsTheSubPlanThroughTheSameExecutor()
    {
        var fixer = new CountingAgent();
        var cecca = Cecca.Builder()
            .Commander("only", c => c.Agent("work", () => new CountingAgent(succeed: false)).Agent("fix", () => fixer))
            .OnFailure(_ => FailureAction.Replan)
            .Replanner((failure, _) => ValueTask.FromResult<Plan?>(Plan.Builder().Task("FIX-1", t => t.Agent("fix")).Task("FIX-2", t => t.Agent("fix").Needs("FIX-1")).Build()))
            .Build();

        var result = await cecca.RunAsync(Plan.Builder().Task("X-1", t => t.Agent("work")).Build(), "repair");

        Assert.True(result.Succeeded);
        Assert.Equal(2, fixer.Runs);
        Assert.Contains(result.Decisions, d => d.Decision == "cecca.replan" && d.TaskId == "X-1");
    }

    [Fact]
    public async Task RunAsync_AgentNoCommanderHas_FailsValidationListingTheirAgents()
    {
        var cecca = Cecca.Builder()
            .Commander("a", c => c.Agent("work", () => new CountingAgent()))
            .Commander("b", c => c.Agents(AgentRegistry.CreateDefault(), "noop"))
            .Build();

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => cecca.RunAsync(Plan.Builder().Task("X-1", t => t.Agent("ghost")).Build(), "x"));

        Assert.Contains("registered agents: noop, work", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BadHierarchy_IsRejectedWithTheProblem()
    {
        Assert.Contains("delegates to itself", Assert.Throws<ArgumentException>(() => Cecca.Builder().Commander("a", c => c.Agent("w", () => new NoOpAgent()).DelegatesTo("a")).Build()).Message, StringComparison.Ordinal);
        Assert.Contains("which is not a commander", Assert.Throws<ArgumentException>(() => Cecca.Builder().Commander("a", c => c.Agent("w", () => new NoOpAgent()).DelegatesTo("zed")).Build()).Message, StringComparison.Ordinal);
        Assert.Contains("no running slot", Assert.Throws<ArgumentException>(() => Cecca.Builder().Budget(new Budget(MaxConcurrency: 1))
            .Commander("a", c => c.Agent("w", () => new NoOpAgent())).Commander("b", c => c.Agent("w", () => new NoOpAgent())).Build()).Message, StringComparison.Ordinal);
        Assert.Contains("has no agents", Assert.Throws<ArgumentException>(() => Cecca.Builder().Commander("a", _ => { }).Build()).Message, StringComparison.Ordinal);
    }
}
