namespace TaskExecKit.Execution;

/// <summary>What happened in a run: its overall status and every task's result, in plan order.</summary>
public sealed class RunResult
{
    private readonly Dictionary<string, TaskRunResult> _byId;

    internal RunResult(RunStatus status, IReadOnlyList<TaskRunResult> tasks, DateTimeOffset startedAt, DateTimeOffset finishedAt, string? runDirectory, bool isDryRun)
    {
        Status = status;
        Tasks = tasks;
        StartedAt = startedAt;
        FinishedAt = finishedAt;
        RunDirectory = runDirectory;
        IsDryRun = isDryRun;
        _byId = new Dictionary<string, TaskRunResult>(tasks.Count, StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            _byId.TryAdd(task.TaskId, task);
        }
    }

    /// <summary>Gets how the run ended as a whole.</summary>
    public RunStatus Status { get; }

    /// <summary>Gets every task's result, in plan order.</summary>
    public IReadOnlyList<TaskRunResult> Tasks { get; }

    /// <summary>Gets when the run started (UTC).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Gets when the run finished (UTC).</summary>
    public DateTimeOffset FinishedAt { get; }

    /// <summary>Gets the folder the run's evidence was written to (<c>runs/&lt;timestamp&gt;</c>), or null when evidence is off.</summary>
    public string? RunDirectory { get; }

    /// <summary>Gets a value indicating whether this was a dry run (no effect was performed).</summary>
    public bool IsDryRun { get; }

    /// <summary>Finds a task's result by id.</summary>
    /// <param name="taskId">The task's id.</param>
    /// <param name="result">The result, when the plan has the task.</param>
    /// <returns>True when found.</returns>
    public bool TryGetTask(string taskId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TaskRunResult? result)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        return _byId.TryGetValue(taskId, out result);
    }
}
