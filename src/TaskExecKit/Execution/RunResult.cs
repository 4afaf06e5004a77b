namespace TaskExecKit.Execution;

/// <summary>What happened in a run: its overall status and every task's result, in plan order.</summary>
public sealed class RunResult
{
    private Dictionary<string, TaskRunResult>? _byId;

    internal RunResult(RunStatus status, IReadOnlyList<TaskRunResult> tasks, DateTimeOffset startedAt, DateTimeOffset finishedAt, string? runDirectory, bool isDryRun, string runId = "")
    {
        RunId = runId;
        Status = status;
        Tasks = tasks;
        StartedAt = startedAt;
        FinishedAt = finishedAt;
        RunDirectory = runDirectory;
        IsDryRun = isDryRun;
    }

    /// <summary>Gets the run's id (the evidence folder's name when evidence is on); pass it to <see cref="TaskExecutor.ResumeAsync"/> to continue a journaled run.</summary>
    public string RunId { get; }

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
        return (Volatile.Read(ref _byId) ?? IndexTasks()).TryGetValue(taskId, out result);
    }

    /// <summary>Builds the id index on first use: most callers never look a task up, and it costs a hash per task.</summary>
    private Dictionary<string, TaskRunResult> IndexTasks()
    {
        var byId = new Dictionary<string, TaskRunResult>(Tasks.Count, StringComparer.Ordinal);
        foreach (var task in Tasks)
        {
            byId.TryAdd(task.TaskId, task);
        }

        // Racing callers build equal indexes; the first one published wins.
        return Interlocked.CompareExchange(ref _byId, byId, null) ?? byId;
    }
}
