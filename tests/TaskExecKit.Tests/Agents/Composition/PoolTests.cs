using TaskExecKit.Agents;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Agents.Composition;

public sealed class PoolTests
{
    [Fact]
    public async Task SpawnAsync_Pooled_ReusesTheInstanceAfterAReset()
    {
        int created = 0;
        var registry = new AgentRegistry().AddPooled("p", () => { created++; return new ResettableAgent(); }, maxSize: 2);

        ITaskAgent first;
        await using (var lease = await registry.SpawnAsync("p"))
        {
            Assert.True(lease.IsPooled);
            first = lease.Agent;
        }

        await using var again = await registry.SpawnAsync("p");

        Assert.Same(first, again.Agent);
        Assert.Equal(1, created);
        Assert.Equal(1, ((ResettableAgent)first).Resets);
    }

    [Fact]
    public async Task SpawnAsync_UnhealthyAfterUse_IsDroppedAndDisposed()
    {
        var registry = new AgentRegistry().AddPooled("p", () => new ResettableAgent { Healthy = false }, maxSize: 1);

        ResettableAgent first;
        await using (var lease = await registry.SpawnAsync("p"))
        {
            first = (ResettableAgent)lease.Agent;
        }

        await using var next = await registry.SpawnAsync("p");

        Assert.NotSame(first, next.Agent);
        Assert.True(first.Disposed);
    }

    [Fact]
    public async Task SpawnAsync_PoolFull_WaitsForAnInstanceToComeBack()
    {
        var registry = new AgentRegistry().AddPooled("p", () => new ResettableAgent(), maxSize: 1);
        var held = await registry.SpawnAsync("p");

        var waiting = registry.SpawnAsync("p").AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        await held.DisposeAsync();
        await using var got = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Same(held.Agent, got.Agent);
    }

    [Fact]
    public async Task SpawnAsync_UnknownName_ListsTheRegisteredOnes()
    {
        var registry = AgentRegistry.CreateDefault();

        var ex = await Assert.ThrowsAsync<ArgumentException>(async () => await registry.SpawnAsync("nope"));

        Assert.Contains("registered agents: noop, shell", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PooledKind_NeverUsesMoreInstancesThanItsSize()
    {
        int created = 0;
        var registry = new AgentRegistry().AddPooled("p", () => { Interlocked.Increment(ref created); return new ResettableAgent { Delay = TimeSpan.FromMilliseconds(5) }; }, maxSize: 2);
        var builder = Plan.Builder();
        for (int i = 0; i < 20; i++)
        {
            builder.Task($"T-{i}", t => t.Agent("p"));
        }

        var result = await AgentTestKit.RunAsync(builder.Build(), registry, configure: b => b.MaxWorkers(6));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.InRange(created, 1, 2);
    }

    [Fact]
    public void Validate_UnknownAgent_ListsTheRegisteredOnes()
    {
        var registry = AgentRegistry.CreateDefault().AddPooled("pooled", () => new ResettableAgent(), 2);
        var plan = Plan.Builder().Task("T-1", t => t.Agent("missing")).Build();

        var validation = plan.Validate(registry.CreateValidationOptions());

        var problem = Assert.Single(validation.Diagnostics);
        Assert.Equal("TEK004", problem.Code);
        Assert.Contains("registered agents: noop, pooled, shell", problem.Message, StringComparison.Ordinal);
    }

    private sealed class ResettableAgent : IPoolableAgent, IDisposable
    {
        private int _inUse;

        public int Resets { get; private set; }

        public bool Healthy { get; init; } = true;

        public bool Disposed { get; private set; }

        public TimeSpan Delay { get; init; }

        public async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _inUse, 1) != 0)
            {
                return AgentResult.Failure("used by two tasks at once");
            }

            await Task.Delay(Delay, cancellationToken);
            Volatile.Write(ref _inUse, 0);
            return AgentResult.Success();
        }

        public ValueTask<bool> TryResetAsync(CancellationToken cancellationToken)
        {
            Resets++;
            return ValueTask.FromResult(Healthy);
        }

        public void Dispose() => Disposed = true;
    }
}
