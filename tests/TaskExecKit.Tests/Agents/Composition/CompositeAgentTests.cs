using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Agents.Composition;

public sealed class CompositeAgentTests
{
    private static readonly Plan OneTask = Plan.Builder().Task("T-1", t => t.Agent("c")).Build();

    [Fact]
    public async Task Sequence_AllSucceed_RunsEveryMemberInOrder()
    {
        var (a, b) = (new CountingAgent(), new CountingAgent());
        var result = await AgentTestKit.RunAsync(OneTask, new AgentRegistry().Add("c", () => CompositeAgent.Sequence(a, b)));

        Assert.Equal(TaskRunStatus.Succeeded, AgentTestKit.Task(result, "T-1").Status);
        Assert.Equal((1, 1), (a.Runs, b.Runs));
    }

    [Fact]
    public async Task Sequence_FirstFails_DoesNotRunTheRest()
    {
        var (a, b) = (new CountingAgent(succeed: false), new CountingAgent());
        var result = await AgentTestKit.RunAsync(OneTask, new AgentRegistry().Add("c", () => CompositeAgent.Sequence(a, b)));

        Assert.Equal(TaskRunStatus.Failed, AgentTestKit.Task(result, "T-1").Status);
        Assert.Equal(0, b.Runs);
    }

    [Fact]
    public async Task FirstSuccess_FirstFails_SecondAnswers()
    {
        var (a, b, c) = (new CountingAgent(succeed: false), new CountingAgent(), new CountingAgent());
        var result = await AgentTestKit.RunAsync(OneTask, new AgentRegistry().Add("c", () => CompositeAgent.FirstSuccess(a, b, c)));

        Assert.Equal(TaskRunStatus.Succeeded, AgentTestKit.Task(result, "T-1").Status);
        Assert.Equal((1, 1, 0), (a.Runs, b.Runs, c.Runs));
    }

    [Fact]
    public async Task Parallel_RespectsItsBoundAndFailsWhenAMemberFails()
    {
        int running = 0, max = 0;
        ITaskAgent Slow(bool ok) => new DelegateAgent(async (_, ct) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref max, now);
            await Task.Delay(20, ct);
            Interlocked.Decrement(ref running);
            return ok ? AgentResult.Success() : AgentResult.Failure("member failed");
        });
        var composite = CompositeAgent.Parallel(2, Slow(true), Slow(true), Slow(false), Slow(true), Slow(true));

        var result = await AgentTestKit.RunAsync(OneTask, new AgentRegistry().Add("c", () => composite));

        var task = AgentTestKit.Task(result, "T-1");
        Assert.Equal(TaskRunStatus.Failed, task.Status);
        Assert.Contains("1 of 5 parallel agents failed", task.Reason, StringComparison.Ordinal);
        Assert.InRange(max, 1, 2);
    }

    [Theory]
    [InlineData(2, 3, true)]
    [InlineData(1, 3, false)]
    public async Task Vote_Majority_DecidesFromTheMembersOutcomes(int succeeding, int voters, bool expected)
    {
        var members = Enumerable.Range(0, voters).Select(i => (ITaskAgent)new CountingAgent(succeed: i < succeeding)).ToArray();
        var result = await AgentTestKit.RunAsync(OneTask, new AgentRegistry().Add("c", () => CompositeAgent.Vote(VoteRule.Majority, 2, members)));

        Assert.Equal(expected ? TaskRunStatus.Succeeded : TaskRunStatus.Failed, AgentTestKit.Task(result, "T-1").Status);
    }

    [Fact]
    public async Task Vote_CustomRule_GetsEveryResult()
    {
        int seen = 0;
        var rule = VoteRule.Custom("any", results => { seen = results.Count; return results.Any(r => r.Succeeded) ? AgentResult.Success() : AgentResult.Failure("none"); });
        var composite = CompositeAgent.Vote(rule, 3, new CountingAgent(succeed: false), new CountingAgent(succeed: false), new CountingAgent());

        var result = await AgentTestKit.RunAsync(OneTask, new AgentRegistry().Add("c", () => composite));

        Assert.Equal(TaskRunStatus.Succeeded, AgentTestKit.Task(result, "T-1").Status);
        Assert.Equal(3, seen);
    }

    [Fact]
    public async Task Vote_MemberAsksForAnUngrantedEffect_EndsTheTaskDenied()
    {
        var nosy = new DelegateAgent((context, _) => { context.Demand(Capability.Network("example.org")); return ValueTask.FromResult(AgentResult.Success()); });
        var composite = CompositeAgent.Vote(VoteRule.AtLeast(1), 2, new CountingAgent(), nosy);

        var result = await AgentTestKit.RunAsync(OneTask, new AgentRegistry().Add("c", () => composite));

        Assert.Equal(TaskRunStatus.Denied, AgentTestKit.Task(result, "T-1").Status);
    }

    [Fact]
    public async Task Composite_NestedInAComposite_StandsWhereAnAgentCan()
    {
        var inner = CompositeAgent.FirstSuccess(new CountingAgent(succeed: false), new CountingAgent());
        var counted = new CountingAgent(tokensPerRun: 5);
        var outer = CompositeAgent.Parallel(2, inner, counted);
        long tokens = 0;
        var probe = new DelegateAgent(async (context, ct) => { var r = await outer.RunAsync(context, ct); tokens = context.TokensUsed; return r; });

        var result = await AgentTestKit.RunAsync(OneTask, new AgentRegistry().Add("c", () => probe));

        Assert.Equal(TaskRunStatus.Succeeded, AgentTestKit.Task(result, "T-1").Status);
        Assert.Equal(5, tokens);
    }

    [Fact]
    public void Factories_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => CompositeAgent.Sequence());
        Assert.Throws<ArgumentOutOfRangeException>(() => CompositeAgent.Parallel(0, new NoOpAgent()));
        Assert.Throws<ArgumentOutOfRangeException>(() => VoteRule.AtLeast(0));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}

internal sealed class DelegateAgent(Func<AgentContext, CancellationToken, ValueTask<AgentResult>> run) : ITaskAgent
{
    public ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken) => run(context, cancellationToken);
}
