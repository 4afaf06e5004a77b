using BenchmarkDotNet.Attributes;
using TaskExecKit.Agents;
using TaskExecKit.AI;
using TaskExecKit.Execution;
using TaskExecKit.Hierarchy;
using TaskExecKit.Planning;

namespace TaskExecKit.Benchmarks.Agents;

/// <summary>
/// Spawning agents: a pooled one (rent, reset, return) against new ones (a shell agent, an AI agent
/// on the offline provider with its tools). Targets: pooled ≤ 10 µs, new well under 1 s.
/// </summary>
[MemoryDiagnoser]
public class AgentSpawnBenchmarks
{
    private AgentRegistry _registry = null!;

    [GlobalSetup]
    public void Setup()
        => _registry = new AgentRegistry()
            .AddPooled("pooled", () => new ResettableAgent(), maxSize: 4)
            .Add("shell-new", () => new ShellAgent())
            .Add("ai-new", () => new AITaskAgent(AIAgent.Builder().Provider(AIProvider.Offline).Tools(new ShellTool(), new FileTool()).Id("ai").Build()));

    [Benchmark(Baseline = true)]
    public async Task SpawnPooled()
    {
        await using var lease = await _registry.SpawnAsync("pooled");
    }

    [Benchmark]
    public async Task SpawnNewShell()
    {
        await using var lease = await _registry.SpawnAsync("shell-new");
    }

    [Benchmark]
    public async Task SpawnNewAI()
    {
        await using var lease = await _registry.SpawnAsync("ai-new");
    }

    private sealed class ResettableAgent : IPoolableAgent
    {
        public ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken) => new(AgentResult.Success());

        public ValueTask<bool> TryResetAsync(CancellationToken cancellationToken) => new(true);
    }
}

/// <summary>
/// Delegation overhead: 1,000 no-op tasks in ten queues run by a plain executor, against the same
/// plan run by a CECCA over three commanders (split, routing, budget ledgers, decisions). Divide the
/// difference by 1,000 for the cost per task.
/// </summary>
[MemoryDiagnoser]
public class CeccaOverheadBenchmarks
{
    private const int Tasks = 1_000;
    private Plan _plan = null!;
    private TaskExecutor _executor = null!;
    private Cecca _cecca = null!;

    [GlobalSetup]
    public void Setup()
    {
        var builder = Plan.Builder();
        for (int i = 0; i < Tasks; i++)
        {
            int n = i;
            builder.Task($"T-{n}", t => t.Agent("noop").Queue($"Q{n % 10}"));
        }

        _plan = builder.Build();
        _executor = TaskExecutor.Builder().MaxWorkers(3).Build();
        var noop = new NoOpAgent();
        _cecca = Cecca.Builder()
            .Budget(new Budget(MaxTokens: 1_000_000, MaxTasks: 10 * Tasks, MaxConcurrency: 3))
            .Commander("a", c => c.Queues("Q0", "Q1", "Q2").Agent("noop", () => noop))
            .Commander("b", c => c.Queues("Q3", "Q4", "Q5").Agent("noop", () => noop))
            .Commander("c", c => c.Agent("noop", () => noop))
            .Build();
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _executor.DisposeAsync();

    [Benchmark(Baseline = true)]
    public Task<RunResult> Executor1k() => _executor.RunAsync(_plan);

    [Benchmark]
    public Task<CeccaResult> Cecca1k() => _cecca.RunAsync(_plan, "benchmark");
}
