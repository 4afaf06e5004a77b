using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Agents;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Execution;

/// <summary>
/// For random DAGs and random task outcomes: every task runs at most once per attempt, never
/// before the tasks it needs succeeded, never more than MaxWorkers at once, and the result is
/// the same for any worker count.
/// </summary>
public sealed class SchedulerPropertyTests
{
    /// <summary>A random DAG: edges only go from a lower to a higher index, so there is no cycle.</summary>
    public sealed record Dag(int[][] Needs, bool[] Fails, bool[] Done, int Workers);

    private static Gen<Dag> DagGen =>
        from size in Gen.Choose(1, 40)
        from density in Gen.Choose(0, 30)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from workers in Gen.Choose(1, 8)
        select Build(size, density, seed, workers);

    private static Dag Build(int size, int density, int seed, int workers)
    {
        var random = new Random(seed);
        var needs = new int[size][];
        for (int i = 0; i < size; i++)
        {
            needs[i] = [.. Enumerable.Range(0, i).Where(_ => random.Next(100) < density)];
        }

        var fails = Enumerable.Range(0, size).Select(_ => random.Next(100) < 15).ToArray();
        var done = Enumerable.Range(0, size).Select(_ => random.Next(100) < 5).ToArray();
        return new Dag(needs, fails, done, workers);
    }

    private static Plan ToPlan(Dag dag)
    {
        var builder = Plan.Builder();
        for (int i = 0; i < dag.Needs.Length; i++)
        {
            int index = i;
            builder.Task(Id(index), t =>
            {
                t.Agent("scripted").Needs([.. dag.Needs[index].Select(Id)]);
                if (dag.Done[index])
                {
                    t.Done();
                }
            });
        }

        return builder.Build();
    }

    private static string Id(int i) => "T" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<(RunResult Result, Observation Seen)> RunAsync(Dag dag, int workers, bool hold = false)
    {
        var plan = ToPlan(dag);
        var seen = new Observation();
        var finishedOk = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        int running = 0;
        var agent = new ScriptedAgent(async (context, ct) =>
        {
            int index = int.Parse(context.Task.Id.AsSpan(1), provider: System.Globalization.CultureInfo.InvariantCulture);
            int now = Interlocked.Increment(ref running);
            seen.MaxRunning = Math.Max(seen.MaxRunning, now);
            foreach (string dep in context.Task.Needs)
            {
                if (!finishedOk.ContainsKey(dep))
                {
                    seen.Violations.Enqueue($"{context.Task.Id} started before {dep} succeeded");
                }
            }

            // Holding the slot for a timer tick lets every worker be busy at once, so a scheduler
            // that ran more than MaxWorkers tasks would be seen doing it.
            if (hold)
            {
                await Task.Delay(1, ct);
            }
            else
            {
                await Task.Yield();
            }

            Interlocked.Decrement(ref running);
            bool fails = dag.Fails[index];
            if (!fails)
            {
                finishedOk[context.Task.Id] = true;
            }

            return fails ? AgentResult.Failure("scripted") : AgentResult.Success();
        });

        // Done tasks count as succeeded for their dependents.
        for (int i = 0; i < dag.Done.Length; i++)
        {
            if (dag.Done[i])
            {
                finishedOk[Id(i)] = true;
            }
        }

        await using var executor = TaskExecutor.Builder()
            .MaxWorkers(workers)
            .Agents(AgentRegistry.CreateDefault().Add("scripted", () => agent))
            .Build();
        var result = await executor.RunAsync(plan, CancellationToken.None);
        seen.Attempts = agent.Attempts;
        seen.MaxConcurrency = agent.MaxConcurrency;
        return (result, seen);
    }

    [Property(MaxTest = 100)]
    public Property EveryTaskRunsAtMostOnce_NeverBeforeItsNeeds_NeverAboveMaxWorkers()
        => Prop.ForAll(DagGen.ToArbitrary(), dag =>
        {
            var (result, seen) = RunAsync(dag, dag.Workers, hold: true).GetAwaiter().GetResult();
            bool once = seen.Attempts.Values.All(n => n == 1);
            bool ordered = seen.Violations.IsEmpty;
            bool bounded = seen.MaxConcurrency <= dag.Workers;
            bool complete = result.Tasks.Count == dag.Needs.Length;
            bool statusesExplained = result.Tasks.Select((t, i) => Expected(dag, i) == t.Status).All(x => x);
            return (once && ordered && bounded && complete && statusesExplained)
                .Label($"once={once} ordered={ordered} bounded={bounded} (max {seen.MaxConcurrency} of {dag.Workers}) complete={complete} statuses={statusesExplained} {string.Join("; ", seen.Violations)}");
        });

    [Property(MaxTest = 60)]
    public Property TheResultIsTheSameForAnyWorkerCount()
        => Prop.ForAll(DagGen.ToArbitrary(), dag =>
        {
            var reference = RunAsync(dag, 1).GetAwaiter().GetResult().Result;
            var statuses = reference.Tasks.Select(t => (t.TaskId, t.Status, t.Reason)).ToList();
            foreach (int workers in (int[])[2, 3, 8])
            {
                var other = RunAsync(dag, workers).GetAwaiter().GetResult().Result;
                if (other.Status != reference.Status || !other.Tasks.Select(t => (t.TaskId, t.Status, t.Reason)).SequenceEqual(statuses))
                {
                    return false.Label($"workers={workers} differs from workers=1");
                }
            }

            return true.ToProperty();
        });

    /// <summary>The status a task must end with: derived from the DAG alone.</summary>
    private static TaskRunStatus Expected(Dag dag, int index)
    {
        if (dag.Done[index])
        {
            return TaskRunStatus.Skipped;
        }

        foreach (int dep in dag.Needs[index])
        {
            if (!dag.Done[dep] && Expected(dag, dep) != TaskRunStatus.Succeeded)
            {
                return TaskRunStatus.Skipped;
            }
        }

        return dag.Fails[index] ? TaskRunStatus.Failed : TaskRunStatus.Succeeded;
    }

    private sealed class Observation
    {
        public ConcurrentQueue<string> Violations { get; } = new();

        public int MaxRunning { get; set; }

        public IReadOnlyDictionary<string, int> Attempts { get; set; } = new Dictionary<string, int>();

        public int MaxConcurrency { get; set; }
    }
}
