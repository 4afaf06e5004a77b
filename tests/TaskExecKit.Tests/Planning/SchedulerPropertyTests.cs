using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

/// <summary>
/// The optimizer (Plan.Analyze): levels, critical path, total work and the list-scheduling
/// wall-time estimate, checked on random DAGs against a longest-path model written here.
/// Wall time is deliberately NOT checked to fall as workers grow: list scheduling has
/// Graham anomalies.
/// </summary>
public sealed class SchedulerPropertyTests
{
    [Property(MaxTest = 300)]
    public Property Analyze_RandomDag_LevelsAreOnePlusDeepestNeed() => Prop.ForAll(Dags.ToArbitrary(), dag =>
    {
        var analysis = dag.Plan().Analyze(dag.Options());

        var levelOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < analysis.Levels.Count; k++)
        {
            Assert.NotEmpty(analysis.Levels[k]);
            foreach (var task in analysis.Levels[k])
            {
                Assert.True(levelOf.TryAdd(task.Id, k), $"{task.Id} is in more than one level");
            }
        }

        Assert.Equal(dag.Ids.Length, levelOf.Count);
        var model = dag.Levels();
        for (int i = 0; i < dag.Ids.Length; i++)
        {
            Assert.Equal(model[i], levelOf[dag.Ids[i]]);
        }

        Assert.Equal(analysis.Levels.Max(l => l.Count), analysis.MaxWidth);
    });

    [Property(MaxTest = 300)]
    public Property Analyze_RandomDag_CriticalPathIsTheLongestChain() => Prop.ForAll(Dags.ToArbitrary(), dag =>
    {
        var analysis = dag.Plan().Analyze(dag.Options());
        var duration = dag.Durations();
        var finish = dag.Finishes();
        var byId = dag.Ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);

        Assert.Equal(TimeSpan.FromMilliseconds(finish.Max()), analysis.CriticalPathLength);
        Assert.All(duration, d => Assert.True(analysis.CriticalPathLength >= TimeSpan.FromMilliseconds(d)));
        Assert.Equal(TimeSpan.FromMilliseconds(duration.Sum()), analysis.TotalWork);
        Assert.All(dag.Ids, id => Assert.Equal(TimeSpan.FromMilliseconds(duration[byId[id]]), analysis.Estimates[id].Duration));

        var path = analysis.CriticalPath;
        Assert.NotEmpty(path);
        for (int k = 1; k < path.Count; k++)
        {
            Assert.Contains(path[k - 1].Id, path[k].Needs);
        }

        Assert.Equal(analysis.CriticalPathLength, TimeSpan.FromMilliseconds(path.Sum(t => duration[byId[t.Id]])));
    });

    [Property(MaxTest = 300)]
    public Property EstimateWallTime_RandomDag_RespectsTheBounds() => Prop.ForAll(Dags.ToArbitrary(), dag =>
    {
        var analysis = dag.Plan().Analyze(dag.Options());
        int n = dag.Ids.Length;

        Assert.Equal(analysis.TotalWork, analysis.EstimateWallTime(1));
        for (int w = 1; w <= n + 2; w++)
        {
            var wall = analysis.EstimateWallTime(w);
            Assert.True(wall >= analysis.CriticalPathLength, $"w={w}: {wall} < critical path {analysis.CriticalPathLength}");
            Assert.True(wall.Ticks * w >= analysis.TotalWork.Ticks, $"w={w}: {wall} < total work {analysis.TotalWork} / {w}");
            if (w >= n)
            {
                Assert.Equal(analysis.CriticalPathLength, wall);
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => analysis.EstimateWallTime(0));
    });

    [Property(MaxTest = 200)]
    public Property Analyze_V1Plan_LevelsAreTheNonEmptyQueues() => Prop.ForAll(V1Plans.ToArbitrary(), queues =>
    {
        var text = new StringBuilder("### G. Execution Queue & Task Hooks\n");
        var options = new PlanAnalysisOptions();
        int next = 1;
        var ids = new List<List<string>>();
        var durations = new List<List<long>>();
        for (int q = 0; q < queues.Length; q++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{q + 1}. **Queue {(char)('A' + q)} — Q{q}**\n");
            ids.Add([]);
            durations.Add([]);
            if (queues[q].Length > 0)
            {
                text.Append("- Tasks:");
                foreach (long ms in queues[q])
                {
                    string id = $"TASK-{next++:D3}";
                    text.Append(CultureInfo.InvariantCulture, $" `{id}`");
                    options.History[id] = TimeSpan.FromMilliseconds(ms);
                    ids[q].Add(id);
                    durations[q].Add(ms);
                }

                text.Append('\n');
            }
        }

        var plan = Plan.ParseSot(text.ToString());
        var analysis = plan.Analyze(options);

        var nonEmpty = ids.Where(q => q.Count > 0).ToList();
        Assert.Equal(nonEmpty.Count, analysis.Levels.Count);
        for (int k = 0; k < nonEmpty.Count; k++)
        {
            Assert.Equal(nonEmpty[k], analysis.Levels[k].Select(t => t.Id));
        }

        var maxima = durations.Where(q => q.Count > 0).Select(q => q.Max()).ToList();
        var critical = TimeSpan.FromMilliseconds(maxima.Sum());
        Assert.Equal(critical, analysis.CriticalPathLength);
        Assert.Equal(nonEmpty.Count, analysis.CriticalPath.Count);
        int n = plan.Tasks.Count;
        Assert.Equal(TimeSpan.FromMilliseconds(durations.Sum(q => q.Sum())), analysis.TotalWork);
        Assert.Equal(analysis.TotalWork, analysis.EstimateWallTime(1));
        Assert.Equal(critical, analysis.EstimateWallTime(Math.Max(1, n)));
        for (int w = 1; w <= n; w++)
        {
            var wall = analysis.EstimateWallTime(w);
            Assert.True(wall >= critical && wall.Ticks * w >= analysis.TotalWork.Ticks, $"w={w}: {wall}");
        }
    });

    private static readonly Gen<long[][]> V1Plans =
        Gen.Choose(0, 6).SelectMany(q => Gen.ArrayOf(Gen.Choose(0, 5).SelectMany(t => Gen.ArrayOf(Gen.Choose(0, 5000).Select(ms => (long)ms), t)), q));

    /// <summary>How a task's duration is known: measured, done (zero), its timeout, or the default.</summary>
    public enum DurationKind
    {
        History,
        Done,
        Timeout,
        Default,
    }

    /// <summary>A random DAG: task i needs only tasks before it; tasks are added to the builder in a shuffled order.</summary>
    public sealed record Dag(string[] Ids, int[][] Needs, DurationKind[] Kinds, long[] Ms, long DefaultMs, int[] Order)
    {
        public Plan Plan()
        {
            var builder = TaskExecKit.Planning.Plan.Builder();
            foreach (int i in Order)
            {
                builder.Task(Ids[i], t =>
                {
                    t.Needs(Needs[i].Select(d => Ids[d]).ToArray());
                    if (Kinds[i] == DurationKind.Done)
                    {
                        t.Done();
                    }

                    if (Kinds[i] is DurationKind.Timeout or DurationKind.Done && Ms[i] > 0)
                    {
                        t.Timeout(TimeSpan.FromMilliseconds(Ms[i]));
                    }
                });
            }

            return builder.Build();
        }

        public PlanAnalysisOptions Options()
        {
            var options = new PlanAnalysisOptions { DefaultTaskDuration = TimeSpan.FromMilliseconds(DefaultMs) };
            for (int i = 0; i < Ids.Length; i++)
            {
                if (Kinds[i] is DurationKind.History or DurationKind.Done)
                {
                    options.History[Ids[i]] = TimeSpan.FromMilliseconds(Ms[i]);
                }
            }

            return options;
        }

        public long[] Durations() => Kinds.Select((k, i) => k switch
        {
            DurationKind.Done => 0,
            DurationKind.Default => DefaultMs,
            DurationKind.Timeout when Ms[i] == 0 => DefaultMs,
            _ => Ms[i],
        }).ToArray();

        public int[] Levels()
        {
            var level = new int[Ids.Length];
            for (int i = 0; i < Ids.Length; i++)
            {
                level[i] = Needs[i].Length == 0 ? 0 : 1 + Needs[i].Max(d => level[d]);
            }

            return level;
        }

        public long[] Finishes()
        {
            var duration = Durations();
            var finish = new long[Ids.Length];
            for (int i = 0; i < Ids.Length; i++)
            {
                finish[i] = (Needs[i].Length == 0 ? 0 : Needs[i].Max(d => finish[d])) + duration[i];
            }

            return finish;
        }

        public override string ToString()
            => string.Join("; ", Order.Select(i => $"{Ids[i]}({Kinds[i]} {Ms[i]}ms) needs [{string.Join(",", Needs[i].Select(d => Ids[d]))}]")) + $"; default {DefaultMs}ms";
    }

    private static readonly Gen<Dag> Dags =
        from n in Gen.Choose(1, 25)
        from density in Gen.Choose(1, 6)
        from masks in Gen.CollectToArray(Enumerable.Range(0, n), i => Gen.ArrayOf(Gen.Choose(0, 9).Select(r => r < density), i))
        from kinds in Gen.ArrayOf(Gen.Frequency(
            (6, Gen.Constant(DurationKind.History)), (1, Gen.Constant(DurationKind.Done)), (2, Gen.Constant(DurationKind.Timeout)), (1, Gen.Constant(DurationKind.Default))), n)
        from ms in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(0)), (8, Gen.Choose(1, 10_000))).Select(v => (long)v), n)
        from defaultMs in Gen.Choose(0, 3000)
        from order in Gen.Shuffle(Enumerable.Range(0, n))
        select new Dag(
            Enumerable.Range(0, n).Select(i => $"T-{i}").ToArray(),
            masks.Select(m => Enumerable.Range(0, m.Length).Where(j => m[j]).ToArray()).ToArray(),
            kinds,
            ms,
            defaultMs,
            order.ToArray());
}
