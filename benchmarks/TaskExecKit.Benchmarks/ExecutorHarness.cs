using System.Diagnostics;
using System.Globalization;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Benchmarks;

/// <summary>
/// A stopwatch harness for the executor overhead (<c>dotnet run -c Release -- executor-harness [runs]</c>):
/// per shape, one cold run then warm runs; prints min and median time and bytes allocated (all threads) per task.
/// </summary>
internal static class ExecutorHarness
{
    internal static async Task RunAsync(int runs)
    {
        Console.WriteLine("| shape | workers | cold | warm min | warm median | allocated |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (shape, workers) in new[] { ("chain", 4), ("layered100x100", 4), ("fanout-fanin", 4), ("chain", 1) })
        {
            var predecessors = Shapes.Build(shape);
            var builder = Plan.Builder();
            for (int i = 0; i < predecessors.Length; i++)
            {
                int index = i;
                builder.Task(Shapes.Id(index), t => t.Needs([.. predecessors[index].Select(Shapes.Id)]));
            }

            var plan = builder.Build();
            await using var executor = TaskExecutor.Builder().MaxWorkers(workers).Build();
            var watch = Stopwatch.StartNew();
            await RunOnceAsync(executor, plan).ConfigureAwait(false);
            var cold = watch.Elapsed;
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
                $"| {shape} | {workers} | {cold.TotalMilliseconds:0} ms | {times[0]:0.00} ms ({perTask(times[0]):0} ns/task) | {times[runs / 2]:0.00} ms ({perTask(times[runs / 2]):0} ns/task) | {(double)allocated / predecessors.Length:0} B/task |"));
        }
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
