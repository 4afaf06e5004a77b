using TaskExecKit.Agents;
using TaskExecKit.Hierarchy;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Hierarchy;

/// <summary>The split never sends a task to a commander whose stack cannot run its agent.</summary>
public sealed class CeccaSplitTests
{
    [Fact]
    public async Task Split_QueuesCommanderLacksTheAgent_TaskGoesToOneThatHasIt()
    {
        var cecca = Cecca.Builder()
            .SplitBy(CeccaSplit.Queue)
            .OnFailure(_ => FailureAction.Escalate)
            .Commander("build", c => c.Queues("Build").Agent("noop", () => new NoOpAgent()))
            .Commander("review", c => c.Queues("Review").Agent("checker", () => new NoOpAgent()))
            .Build();
        var plan = Plan.Builder()
            .Task("T-1", t => t.Queue("Build").Agent("checker"))
            .Task("T-2", t => t.Queue("Build").Agent("noop"))
            .Build();

        var result = await cecca.RunAsync(plan, "split");

        Assert.True(result.Succeeded, string.Join("; ", result.Run.Tasks));
        Assert.Equal("review", result.RanOn["T-1"]);
        Assert.Equal("build", result.RanOn["T-2"]);
        Assert.DoesNotContain(result.Decisions, d => d.Decision is "cecca.delegate" or "cecca.escalate");
    }

    [Fact]
    public async Task Validate_AgentNoCommanderHas_FailsListingTheStacksAgents()
    {
        var cecca = Cecca.Builder()
            .Commander("build", c => c.Queues("Build").Agent("noop", () => new NoOpAgent()))
            .Commander("review", c => c.Queues("Review").Agent("checker", () => new NoOpAgent()))
            .Build();
        var plan = Plan.Builder().Task("T-1", t => t.Queue("Build").Agent("ghost")).Build();

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => cecca.RunAsync(plan, "split"));

        Assert.Contains("task T-1 names agent 'ghost', which is not registered; registered agents: checker, noop", ex.Message, StringComparison.Ordinal);
    }
}
