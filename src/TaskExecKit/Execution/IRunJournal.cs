namespace TaskExecKit.Execution;

/// <summary>
/// Where an executor records each task's state transitions, durably and before acting on them,
/// so that a run stopped at any moment (even by <c>kill -9</c>) can be resumed with
/// <see cref="TaskExecutor.ResumeAsync"/>. TaskExecKit.Sqlite has one (<c>SqliteRunJournal</c>).
/// Members are called from worker threads, concurrently.
/// </summary>
public interface IRunJournal
{
    /// <summary>Records that a run started; its run id is new.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="planHash">The plan's hash, checked when the run is resumed.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    ValueTask BeginRunAsync(string runId, string planHash, CancellationToken cancellationToken);

    /// <summary>Records that a task is about to start; called before its agent is.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="taskId">The task's id.</param>
    /// <param name="start">How many times the task has been started in this run, this time included (1 the first time).</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    ValueTask TaskStartedAsync(string runId, string taskId, int start, CancellationToken cancellationToken);

    /// <summary>Records how a started task ended (not called for a task the run cancelled: it runs again on resume).</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="result">The task's result.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    ValueTask TaskFinishedAsync(string runId, TaskRunResult result, CancellationToken cancellationToken);

    /// <summary>Reads what was recorded about a run.</summary>
    /// <param name="runId">The run's id.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The run's state, or null when the journal has no such run.</returns>
    ValueTask<RunJournalState?> LoadAsync(string runId, CancellationToken cancellationToken);
}

/// <summary>What a journal holds about one run.</summary>
/// <param name="RunId">The run's id.</param>
/// <param name="PlanHash">The hash of the plan the run started with.</param>
/// <param name="Tasks">Every task that was started, in no particular order.</param>
public sealed record RunJournalState(string RunId, string PlanHash, IReadOnlyList<JournaledTask> Tasks);

/// <summary>What a journal holds about one task of a run.</summary>
/// <param name="TaskId">The task's id.</param>
/// <param name="Starts">How many times the task was started.</param>
/// <param name="Status">How it ended, or null when it was in flight (started, never finished).</param>
/// <param name="Attempts">The attempts its last finish reported.</param>
/// <param name="ExitCode">The exit code its last finish reported.</param>
/// <param name="Reason">Why it did not succeed, or null.</param>
/// <param name="StartedAt">When its last start began (UTC).</param>
/// <param name="FinishedAt">When it finished (UTC), or null.</param>
public sealed record JournaledTask(string TaskId, int Starts, TaskRunStatus? Status, int Attempts, int? ExitCode, string? Reason, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>A run cannot be resumed: the journal does not know it, or the plan changed since it started.</summary>
public sealed class RunResumeException : TaskExecKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="runId">The run that cannot be resumed.</param>
    /// <param name="message">Why.</param>
    public RunResumeException(string runId, string message)
        : base(message) => RunId = runId;

    /// <summary>Gets the run that cannot be resumed.</summary>
    public string RunId { get; }
}
