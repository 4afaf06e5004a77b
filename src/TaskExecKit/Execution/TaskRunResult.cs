using TaskExecKit.Agents;

namespace TaskExecKit.Execution;

/// <summary>What happened to one task in a run.</summary>
public sealed class TaskRunResult
{
    // A plain success (the common case, thousands per run) keeps only id, agent, status,
    // attempts and times; the rest lives in a details object that exists only when needed.
    private readonly Details? _details;
    private readonly DateTimeOffset _startedAt;
    private readonly DateTimeOffset _finishedAt;

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
        _startedAt = startedAt.GetValueOrDefault();
        _finishedAt = finishedAt.GetValueOrDefault();
        if (startedAt is null || finishedAt is null || exitCode is not null || reason is not null || logPath is not null || !ReferenceEquals(commands, Array.Empty<CommandResult>()))
        {
            _details = new Details(startedAt is null, finishedAt is null, exitCode, reason, logPath, commands);
        }
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
    public DateTimeOffset? StartedAt => _details is { NotStarted: true } ? null : _startedAt;

    /// <summary>Gets when the task finished (UTC), or null when it never started.</summary>
    public DateTimeOffset? FinishedAt => _details is { NotFinished: true } ? null : _finishedAt;

    /// <summary>Gets the exit code of the last command run, or null when none ran.</summary>
    public int? ExitCode => _details?.ExitCode;

    /// <summary>Gets why the task did not succeed (or why it was skipped), or null when it succeeded.</summary>
    public string? Reason => _details?.Reason;

    /// <summary>Gets the full path of the task's log file, or null when the run writes no evidence.</summary>
    public string? LogPath => _details?.LogPath;

    /// <summary>Gets the commands the task ran (in a dry run: would have run), in order.</summary>
    public IReadOnlyList<CommandResult> Commands => _details is { } details ? details.Commands : [];

    /// <summary>Gets how long the task took from its first attempt to its end, or null when it never started.</summary>
    public TimeSpan? Duration => StartedAt is { } start && FinishedAt is { } end ? end - start : null;

    /// <summary>Returns the task id and status.</summary>
    /// <returns>For example <c>TASK-001 Succeeded</c>.</returns>
    public override string ToString() => Reason is null ? $"{TaskId} {Status}" : $"{TaskId} {Status}: {Reason}";

    private sealed record Details(bool NotStarted, bool NotFinished, int? ExitCode, string? Reason, string? LogPath, IReadOnlyList<CommandResult> Commands);
}
