using System.Diagnostics;
using System.Threading.Channels;
using System.Threading.Tasks.Dataflow;
using BenchmarkDotNet.Attributes;
using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Benchmarks;

/// <summary>
/// Executor overhead: 10,000 no-op tasks in three shapes, run by TaskExecutor (validation,
/// graph, scheduling, results; no evidence, no timeout, no retries) against a hand-written
/// minimal scheduler with the same design and TPL Dataflow. Divide the mean by 10,000 for the
/// cost per task.
/// </summary>
[MemoryDiagnoser]
public class ExecutorBenchmarks
{
    private const int Workers = 4;

    private int[][] _predecessors = [];
    private int[][] _successors = [];
    private Plan _plan = null!;
    private TaskExecutor _executor = null!;
    private Plan _customPlan = null!;
    private TaskExecutor _customExecutor = null!;

    [Params("chain", "layered100x100", "fanout-fanin")]
    public string Shape { get; set; } = "chain";

    [GlobalSetup]
    public void Setup()
    {
        _predecessors = Shapes.Build(Shape);
        _successors = Shapes.Invert(_predecessors);
        var builder = Plan.Builder();
        for (int i = 0; i < _predecessors.Length; i++)
        {
            int index = i;
            builder.Task(Shapes.Id(index), t => t.Needs([.. _predecessors[index].Select(Shapes.Id)]));
        }

        _plan = builder.Build();
        _executor = TaskExecutor.Builder().MaxWorkers(Workers).Build();

        // The same plan on a user-defined agent that completes at once: the executor cannot know
        // it ignores its context, so this measures the general per-task path (an AgentContext per task).
        var custom = Plan.Builder();
        for (int i = 0; i < _predecessors.Length; i++)
        {
            int index = i;
            custom.Task(Shapes.Id(index), t => t.Agent("inline").Needs([.. _predecessors[index].Select(Shapes.Id)]));
        }

        _customPlan = custom.Build();
        var agents = AgentRegistry.CreateDefault().Add("inline", static () => new InlineAgent());
        _customExecutor = TaskExecutor.Builder().MaxWorkers(Workers).Agents(agents).Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _executor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _customExecutor.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "minimal scheduler")]
    public Task Minimal() => MinimalScheduler.RunAsync(_predecessors, _successors, Workers, static () => ValueTask.CompletedTask);

    [Benchmark(Description = "TPL Dataflow")]
    public Task Dataflow() => DataflowScheduler.RunAsync(_predecessors, _successors, Workers);

    [Benchmark(Description = "TaskExecutor")]
    public async Task<RunStatus> Executor()
    {
        var result = await _executor.RunAsync(_plan, CancellationToken.None).ConfigureAwait(false);
        return result.Status == RunStatus.Succeeded ? result.Status : throw new InvalidOperationException("the run failed");
    }

    [Benchmark(Description = "TaskExecutor, custom agent")]
    public async Task<RunStatus> ExecutorCustomAgent()
    {
        var result = await _customExecutor.RunAsync(_customPlan, CancellationToken.None).ConfigureAwait(false);
        return result.Status == RunStatus.Succeeded ? result.Status : throw new InvalidOperationException("the run failed");
    }

    /// <summary>A user's agent that succeeds at once, like <see cref="NoOpAgent"/> but unknown to the executor.</summary>
    private sealed class InlineAgent : ITaskAgent
    {
        public ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
            => new(AgentResult.Success());
    }
}

/// <summary>The three shapes, as predecessor lists over 10,000 nodes.</summary>
internal static class Shapes
{
    internal const int Count = 10_000;

    private static readonly int[] Root = [0];

    internal static string Id(int i) => "t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal static int[][] Build(string shape) => shape switch
    {
        "chain" => [.. Enumerable.Range(0, Count).Select(i => i == 0 ? Array.Empty<int>() : [i - 1])],

        // 100 layers of 100; each task needs 3 tasks of the layer before it.
        "layered100x100" => [.. Enumerable.Range(0, Count).Select(i =>
        {
            int layer = i / 100, column = i % 100;
            return layer == 0 ? [] : new[] { column, (column + 1) % 100, (column + 7) % 100 }.Distinct().Select(c => ((layer - 1) * 100) + c).ToArray();
        })],

        // One root, 9,998 tasks that need it, one sink that needs them all.
        "fanout-fanin" => [.. Enumerable.Range(0, Count).Select(i => i == 0 ? [] : i == Count - 1 ? Enumerable.Range(1, Count - 2).ToArray() : Root)],
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape"),
    };

    internal static int[][] Invert(int[][] predecessors)
    {
        var successors = Enumerable.Range(0, predecessors.Length).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < predecessors.Length; i++)
        {
            foreach (int p in predecessors[i])
            {
                successors[p].Add(i);
            }
        }

        return [.. successors.Select(s => s.ToArray())];
    }
}

/// <summary>The least a parallel DAG runner must do: dependency counters, a ready channel, N workers.</summary>
internal static class MinimalScheduler
{
    internal static async Task RunAsync(int[][] predecessors, int[][] successors, int workers, Func<ValueTask> work)
    {
        int n = predecessors.Length;
        var remaining = new int[n];
        for (int i = 0; i < n; i++)
        {
            remaining[i] = predecessors[i].Length;
        }

        var ready = Channel.CreateUnbounded<int>();
        int done = 0;
        for (int i = 0; i < n; i++)
        {
            if (remaining[i] == 0)
            {
                ready.Writer.TryWrite(i);
            }
        }

        async Task Worker()
        {
            while (await ready.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (ready.Reader.TryRead(out int node))
                {
                    await work().ConfigureAwait(false);
                    foreach (int s in successors[node])
                    {
                        if (Interlocked.Decrement(ref remaining[s]) == 0)
                        {
                            ready.Writer.TryWrite(s);
                        }
                    }

                    if (Interlocked.Increment(ref done) == n)
                    {
                        ready.Writer.TryComplete();
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(Worker))).ConfigureAwait(false);
    }
}

/// <summary>The same DAG on TPL Dataflow: one ActionBlock with N-way parallelism that posts ready successors back to itself.</summary>
internal static class DataflowScheduler
{
    internal static async Task RunAsync(int[][] predecessors, int[][] successors, int workers)
    {
        int n = predecessors.Length;
        var remaining = new int[n];
        for (int i = 0; i < n; i++)
        {
            remaining[i] = predecessors[i].Length;
        }

        int done = 0;
        ActionBlock<int>? block = null;
        block = new ActionBlock<int>(
            node =>
            {
                foreach (int s in successors[node])
                {
                    if (Interlocked.Decrement(ref remaining[s]) == 0)
                    {
                        block!.Post(s);
                    }
                }

                if (Interlocked.Increment(ref done) == n)
                {
                    block!.Complete();
                }
            },
            new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = workers });
        for (int i = 0; i < n; i++)
        {
            if (remaining[i] == 0)
            {
                block.Post(i);
            }
        }

        await block.Completion.ConfigureAwait(false);
    }
}

/// <summary>
/// How long the shell agent takes to run <c>/bin/true</c> (policy checks, spawn, wait, log)
/// against a bare <see cref="Process"/> start of the same program.
/// </summary>
[MemoryDiagnoser]
public class ShellSpawnBenchmarks
{
    private readonly ShellAgent _agent = new();
    private AgentContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        var plan = Plan.Builder().Task("spawn", t => t.Run("/bin/true")).Build();
        var policy = EffectPolicy.Create([Capability.Process("/bin/true"), Capability.FileRead("/tmp")], "/tmp");
        _context = new AgentContext(plan.Tasks[0], policy, [new AgentCommand(["/bin/true"])], TextWriter.Null, "bench/spawn", "/tmp", TimeProvider.System, null);
    }

    [Benchmark(Baseline = true, Description = "Process.Start /bin/true")]
    public async Task<int> BareProcess()
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true })!;
        await process.WaitForExitAsync().ConfigureAwait(false);
        return process.ExitCode;
    }

    [Benchmark(Description = "ShellAgent /bin/true")]
    public async Task<int?> ShellAgentTrue()
    {
        var result = await _agent.RunAsync(_context, CancellationToken.None).ConfigureAwait(false);
        return result.Succeeded ? result.ExitCode : throw new InvalidOperationException(result.Error);
    }
}
