namespace TaskExecKit.Planning;

/// <summary>Where an estimated task duration comes from.</summary>
public enum DurationSource
{
    /// <summary>The task is already done: it takes no time.</summary>
    Done,

    /// <summary>Measured before (<see cref="PlanAnalysisOptions.History"/>).</summary>
    History,

    /// <summary>The task's timeout: an upper bound.</summary>
    Timeout,

    /// <summary><see cref="PlanAnalysisOptions.DefaultTaskDuration"/>: a guess.</summary>
    Default,
}

/// <summary>The duration assumed for a task and where it comes from.</summary>
/// <param name="Duration">How long the task is assumed to take.</param>
/// <param name="Source">Where that number comes from.</param>
public readonly record struct TaskEstimate(TimeSpan Duration, DurationSource Source);

/// <summary>
/// What a plan will do when it runs: its levels (tasks that can run together), its critical
/// path (the longest chain of dependencies, which no number of workers can shorten), its
/// maximum width (the most workers that can help), and wall-time estimates.
/// </summary>
public sealed class PlanAnalysis
{
    private readonly PlanAnalyzer.Schedule _schedule;

    internal PlanAnalysis(
        IReadOnlyList<IReadOnlyList<PlanTask>> levels,
        IReadOnlyList<PlanTask> criticalPath,
        TimeSpan criticalPathLength,
        TimeSpan totalWork,
        IReadOnlyDictionary<string, TaskEstimate> estimates,
        PlanAnalyzer.Schedule schedule)
    {
        Levels = levels;
        CriticalPath = criticalPath;
        CriticalPathLength = criticalPathLength;
        TotalWork = totalWork;
        Estimates = estimates;
        _schedule = schedule;
        MaxWidth = levels.Count == 0 ? 0 : levels.Max(l => l.Count);
    }

    /// <summary>
    /// Gets the tasks by topological level: level 0 needs nothing, level k needs something at
    /// level k-1. A version 1 plan's levels are its non-empty queues.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<PlanTask>> Levels { get; }

    /// <summary>Gets the longest chain of dependent tasks by estimated duration, first to last.</summary>
    public IReadOnlyList<PlanTask> CriticalPath { get; }

    /// <summary>Gets the estimated duration of the critical path: the shortest possible wall time.</summary>
    public TimeSpan CriticalPathLength { get; }

    /// <summary>Gets the number of tasks in the widest level: beyond this, more workers cannot help.</summary>
    public int MaxWidth { get; }

    /// <summary>Gets the sum of every task's estimated duration: the wall time with one worker.</summary>
    public TimeSpan TotalWork { get; }

    /// <summary>Gets, per task id, the duration assumed and where it comes from.</summary>
    public IReadOnlyDictionary<string, TaskEstimate> Estimates { get; }

    /// <summary>
    /// Estimates the wall time with a number of workers by simulating the run: ready tasks start
    /// as soon as a worker is free, longest remaining chain first.
    /// </summary>
    /// <param name="maxWorkers">How many tasks may run at once (at least 1).</param>
    /// <returns>The estimated wall time.</returns>
    public TimeSpan EstimateWallTime(int maxWorkers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWorkers, 1);
        return _schedule.Simulate(maxWorkers);
    }
}
