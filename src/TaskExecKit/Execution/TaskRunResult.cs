using TaskExecKit.Agents;

namespace TaskExecKit.Execution;

/// <summary>What happened to one task in a run.</summary>
public sealed class TaskRunResult
{
    internal TaskRunResult(
        string taskId,
        TaskRunStatus status,
        string agent,
        int attempts,
        DateTimeOffset? startedAt,
        DateTimeOffset? finishedAt,
        int? exitCode,
        string? reason,
        string? logPath,
        IReadOnlyList<CommandResult> commands)
    {
        TaskId = taskId;
        Status = status;
        Agent = agent;
        Attempts = attempts;
        StartedAt = startedAt;
        FinishedAt = finishedAt;
        ExitCode = exitCode;
        Reason = reason;
        LogPath = logPath;
        Commands = commands;
    }

    /// <summary>Gets the task's id.</summary>
    public string TaskId { get; }

    /// <summary>Gets how the task ended.</summary>
    public TaskRunStatus Status { get; }

    /// <summary>Gets the name of the agent that ran (or would have run) the task.</summary>
    public string Agent { get; }

    /// <summary>Gets how many attempts were made; 0 when the task never started.</summary>
    public int Attempts { get; }

    /// <summary>Gets when the first attempt started (UTC), or null when the task never started.</summary>
    public DateTimeOffset? StartedAt { get; }

    /// <summary>Gets when the task finished (UTC), or null when it never started.</summary>
    public DateTimeOffset? FinishedAt { get; }

    /// <summary>Gets the exit code of the last command run, or null when none ran.</summary>
    public int? ExitCode { get; }

    /// <summary>Gets why the task did not succeed (or why it was skipped), or null when it succeeded.</summary>
    public string? Reason { get; }

    /// <summary>Gets the full path of the task's log file, or null when the run writes no evidence.</summary>
    public string? LogPath { get; }

    /// <summary>Gets the commands the task ran (in a dry run: would have run), in order.</summary>
    public IReadOnlyList<CommandResult> Commands { get; }

    /// <summary>Gets how long the task took from its first attempt to its end, or null when it never started.</summary>
    public TimeSpan? Duration => StartedAt is { } start && FinishedAt is { } end ? end - start : null;

    /// <summary>Returns the task id and status.</summary>
    /// <returns>For example <c>TASK-001 Succeeded</c>.</returns>
    public override string ToString() => Reason is null ? $"{TaskId} {Status}" : $"{TaskId} {Status}: {Reason}";
}
