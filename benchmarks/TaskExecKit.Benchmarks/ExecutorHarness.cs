using System.Diagnostics;
using System.Globalization;
using TaskExecKit.Agents;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Benchmarks;

/// <summary>
/// A stopwatch harness for the executor overhead (<c>dotnet run -c Release -- executor-harness [runs]</c>):
/// per shape, one cold run, 50 unmeasured warm-up runs, then the measured runs; prints min and median time and bytes allocated (all threads) per task.
/// </summary>
internal static class ExecutorHarness
{
    internal static async Task RunAsync(int runs)
    {
        Console.WriteLine("| shape | agent | workers | cold | warm min | warm median | allocated |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        var cases = new[]
        {
            ("chain", "noop", 4), ("layered100x100", "noop", 4), ("fanout-fanin", "noop", 4), ("chain", "noop", 1),
            ("chain", "custom", 4), ("layered100x100", "custom", 4), ("fanout-fanin", "custom", 4),
            ("chain", "noop+telemetry", 4), ("layered100x100", "noop+telemetry", 4), ("fanout-fanin", "noop+telemetry", 4),
        };
        string root = Path.Combine(Path.GetTempPath(), "tek-harness-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunCasesAsync(cases, root, runs).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static async Task RunCasesAsync((string Shape, string Agent, int Workers)[] cases, string root, int runs)
    {
        foreach (var (shape, agent, workers) in cases)
        {
            var predecessors = Shapes.Build(shape);
            var builder = Plan.Builder();
            for (int i = 0; i < predecessors.Length; i++)
            {
                int index = i;
                builder.Task(Shapes.Id(index), t => (agent == "custom" ? t.Agent("inline") : t).Needs([.. predecessors[index].Select(Shapes.Id)]));
            }

            var plan = builder.Build();
            var agents = AgentRegistry.CreateDefault().Add("inline", static () => new InlineAgent());
            // Telemetry with a store that discards: the executor's recording cost, not SQLite's.
            string telemetryDirectory = Path.Combine(root, shape + "-" + agent + "-" + workers.ToString(CultureInfo.InvariantCulture));
            await using var telemetry = new TelemetrySystem(new TelemetryOptions
            {
                RuntimeDirectory = telemetryDirectory,
                DiscoverStore = false,
                Store = new TelemetryRecordBenchmarks.DiscardStore(),
                QueueCapacity = 1 << 20,
                WriteJsonLogs = false,
            });
            var executorBuilder = TaskExecutor.Builder().MaxWorkers(workers).Agents(agents);
            if (agent.EndsWith("+telemetry", StringComparison.Ordinal))
            {
                executorBuilder.Telemetry(telemetry);
            }

            await using var executor = executorBuilder.Build();
            var watch = Stopwatch.StartNew();
            await RunOnceAsync(executor, plan).ConfigureAwait(false);
            var cold = watch.Elapsed;

            // Warm up past tiered compilation (tier 1 comes ~100 ms after 30 calls): unmeasured runs, then a pause.
            for (int r = 0; r < 50; r++)
            {
                await RunOnceAsync(executor, plan).ConfigureAwait(false);
            }

            await Task.Delay(300).ConfigureAwait(false);
            var times = new double[runs];
            long allocated = long.MaxValue;
            for (int r = 0; r < runs; r++)
            {
                long before = GC.GetTotalAllocatedBytes(precise: true);
                watch.Restart();
                await RunOnceAsync(executor, plan).ConfigureAwait(false);
                times[r] = watch.Elapsed.TotalMilliseconds;
                allocated = Math.Min(allocated, GC.GetTotalAllocatedBytes(precise: true) - before);
            }

            Array.Sort(times);
            double perTask(double ms) => ms * 1e6 / predecessors.Length;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {shape} | {agent} | {workers} | {cold.TotalMilliseconds:0} ms | {times[0]:0.00} ms ({perTask(times[0]):0} ns/task) | {times[runs / 2]:0.00} ms ({perTask(times[runs / 2]):0} ns/task) | {(double)allocated / predecessors.Length:0} B/task |"));
        }
    }

    /// <summary>A user's agent that succeeds at once; the executor does not know it, so it gets a context per task.</summary>
    private sealed class InlineAgent : ITaskAgent
    {
        public ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken) => new(AgentResult.Success());
    }

    private static async Task RunOnceAsync(TaskExecutor executor, Plan plan)
    {
        var result = await executor.RunAsync(plan, CancellationToken.None).ConfigureAwait(false);
        if (result.Status != RunStatus.Succeeded)
        {
            throw new InvalidOperationException("the run failed");
        }
    }
}
