namespace TaskExecKit.Agents;

/// <summary>The outcome of one attempt of a task: success, or a failure with its reason.</summary>
public sealed class AgentResult
{
    private static readonly AgentResult SuccessWithoutDetails = new(true, null, null, false, []);

    private AgentResult(bool succeeded, string? error, int? exitCode, bool isTransient, IReadOnlyList<CommandResult> commands)
    {
        Succeeded = succeeded;
        Error = error;
        ExitCode = exitCode;
        IsTransient = isTransient;
        Commands = commands;
    }

    /// <summary>Gets a value indicating whether the attempt succeeded.</summary>
    public bool Succeeded { get; }

    /// <summary>Gets why the attempt failed, or null when it succeeded.</summary>
    public string? Error { get; }

    /// <summary>Gets the exit code of the last command run, or null when none ran.</summary>
    public int? ExitCode { get; }

    /// <summary>Gets a value indicating whether trying again may succeed; only transient failures are retried.</summary>
    public bool IsTransient { get; }

    /// <summary>Gets the commands the attempt ran, in order.</summary>
    public IReadOnlyList<CommandResult> Commands { get; }

    /// <summary>Reports a successful attempt.</summary>
    /// <param name="exitCode">The last command's exit code, when commands ran.</param>
    /// <param name="commands">The commands run, when any.</param>
    /// <returns>The result.</returns>
    public static AgentResult Success(int? exitCode = null, IReadOnlyList<CommandResult>? commands = null)
        => exitCode is null && (commands is null || commands.Count == 0) ? SuccessWithoutDetails : new(true, null, exitCode, false, commands ?? []);

    /// <summary>Reports a failed attempt.</summary>
    /// <param name="error">Why it failed, in a sentence a person can act on.</param>
    /// <param name="exitCode">The failing command's exit code, when a command failed.</param>
    /// <param name="isTransient">True when trying again may succeed (the task's retries then apply).</param>
    /// <param name="commands">The commands run, when any.</param>
    /// <returns>The result.</returns>
    public static AgentResult Failure(string error, int? exitCode = null, bool isTransient = false, IReadOnlyList<CommandResult>? commands = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return new(false, error, exitCode, isTransient, commands ?? []);
    }
}
