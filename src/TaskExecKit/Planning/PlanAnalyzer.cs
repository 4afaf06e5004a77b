namespace TaskExecKit.Planning;

/// <summary>Computes a plan's levels, critical path, width and wall-time estimates (the optimizer).</summary>
internal static class PlanAnalyzer
{
    internal static PlanAnalysis Analyze(Plan plan, PlanAnalysisOptions options)
    {
        var graph = TaskGraph.Build(plan);
        var order = graph.TopologicalOrder();
        if (order is null || HasDuplicates(plan))
        {
            // Analysis needs a graph that can run: report what stops it (ignoring agent names).
            var check = plan.Validate(new PlanValidationOptions { CheckAgents = false });
            var blocking = check.Diagnostics.Where(d => d.Code is PlanDiagnosticCodes.Cycle or PlanDiagnosticCodes.DuplicateId).ToList();
            throw new PlanValidationException(plan.DisplayName, blocking);
        }

        int n = graph.NodeCount;
        var duration = new long[n];
        var estimates = new Dictionary<string, TaskEstimate>(graph.TaskCount, StringComparer.Ordinal);
        long totalWork = 0;
        for (int i = 0; i < graph.TaskCount; i++)
        {
            var task = graph.Tasks[i];
            var estimate = Estimate(task, options);
            estimates[task.Id] = estimate;
            duration[i] = Math.Max(estimate.Duration.Ticks, 0);
            totalWork = SaturatingAdd(totalWork, duration[i]);
        }

        // Longest path ending at each node (finish time with unlimited workers) and level.
        var finish = new long[n];
        var best = new int[n];
        var level = new int[n];
        Array.Fill(best, -1);
        foreach (int v in order)
        {
            long start = 0;
            int lvl = 0;
            foreach (int p in graph.Predecessors(v))
            {
                if (finish[p] > start || (finish[p] == start && best[v] < 0))
                {
                    start = finish[p];
                    best[v] = p;
                }

                lvl = Math.Max(lvl, level[p] + (graph.IsBarrier(p) ? 0 : 1));
            }

            finish[v] = SaturatingAdd(start, duration[v]);
            level[v] = lvl;
        }

        // Levels of tasks (barriers are not tasks).
        var levels = new List<List<PlanTask>>();
        for (int i = 0; i < graph.TaskCount; i++)
        {
            while (levels.Count <= level[i])
            {
                levels.Add([]);
            }

            levels[level[i]].Add(graph.Tasks[i]);
        }

        // Critical path: back from the task that finishes last.
        var path = new List<PlanTask>();
        int end = -1;
        for (int i = 0; i < graph.TaskCount; i++)
        {
            if (end < 0 || finish[i] > finish[end])
            {
                end = i;
            }
        }

        for (int v = end; v >= 0; v = best[v])
        {
            if (!graph.IsBarrier(v))
            {
                path.Add(graph.Tasks[v]);
            }
        }

        path.Reverse();

        // Priority for list scheduling: the longest chain from a node to the end (bottom level).
        var bottom = new long[n];
        for (int k = order.Length - 1; k >= 0; k--)
        {
            int v = order[k];
            long longest = 0;
            foreach (int s in graph.Successors(v))
            {
                longest = Math.Max(longest, bottom[s]);
            }

            bottom[v] = SaturatingAdd(longest, duration[v]);
        }

        return new PlanAnalysis(
            levels.Where(l => l.Count > 0).Select(l => (IReadOnlyList<PlanTask>)l).ToList(),
            path,
            TimeSpan.FromTicks(end < 0 ? 0 : finish[end]),
            TimeSpan.FromTicks(totalWork),
            estimates,
            new Schedule(graph, duration, bottom));
    }

    /// <summary>
    /// Adds two non-negative tick counts, giving <see cref="long.MaxValue"/> (about 29,000 years)
    /// instead of overflowing: huge timeouts make huge estimates, never negative ones.
    /// </summary>
    internal static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static bool HasDuplicates(Plan plan)
    {
        var seen = new HashSet<string>(plan.Tasks.Count, StringComparer.Ordinal);
        return plan.Tasks.Any(t => !seen.Add(t.Id));
    }

    private static TaskEstimate Estimate(PlanTask task, PlanAnalysisOptions options)
    {
        if (task.IsDone)
        {
            return new(TimeSpan.Zero, DurationSource.Done);
        }

        if (options.History.TryGetValue(task.Id, out var measured))
        {
            return new(measured, DurationSource.History);
        }

        return task.Timeout is { } timeout
            ? new(timeout, DurationSource.Timeout)
            : new(options.DefaultTaskDuration, DurationSource.Default);
    }

    /// <summary>
    /// Simulates a run with a number of workers: a ready task starts when a worker is free,
    /// longest remaining chain first; zero-time nodes (barriers, done tasks) need no worker.
    /// </summary>
    internal sealed class Schedule(TaskGraph graph, long[] duration, long[] bottom)
    {
        public TimeSpan Simulate(int workers)
        {
            int n = graph.NodeCount;
            var waiting = new int[n];
            var ready = new PriorityQueue<int, long>();
            var running = new PriorityQueue<int, long>();
            var instant = new Stack<int>();
            for (int v = 0; v < n; v++)
            {
                waiting[v] = graph.PredecessorStart[v + 1] - graph.PredecessorStart[v];
                if (waiting[v] == 0)
                {
                    Enqueue(v);
                }
            }

            long now = 0;
            int busy = 0;
            while (true)
            {
                while (instant.Count > 0)
                {
                    Complete(instant.Pop());
                }

                while (busy < workers && ready.TryDequeue(out int task, out _))
                {
                    running.Enqueue(task, SaturatingAdd(now, duration[task]));
                    busy++;
                }

                if (!running.TryDequeue(out int done, out long at))
                {
                    return TimeSpan.FromTicks(now);
                }

                now = at;
                busy--;
                Complete(done);
            }

            void Enqueue(int v)
            {
                if (duration[v] == 0)
                {
                    instant.Push(v);
                }
                else
                {
                    ready.Enqueue(v, -bottom[v]);
                }
            }

            void Complete(int v)
            {
                foreach (int s in graph.Successors(v))
                {
                    if (--waiting[s] == 0)
                    {
                        Enqueue(s);
                    }
                }
            }
        }
    }
}
