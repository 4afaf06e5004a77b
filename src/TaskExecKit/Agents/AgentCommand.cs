namespace TaskExecKit.Agents;

/// <summary>A command a task runs: an argument vector (never given to a shell) and an optional working directory.</summary>
public sealed class AgentCommand
{
    /// <summary>Creates a command.</summary>
    /// <param name="argv">The program and its arguments; at least the program.</param>
    /// <param name="workingDirectory">Where it runs, relative to the run's working directory; null for that directory.</param>
    public AgentCommand(IReadOnlyList<string> argv, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0 || string.IsNullOrEmpty(argv[0]))
        {
            throw new ArgumentException("A command needs at least a program name as its first item.", nameof(argv));
        }

        Argv = [.. argv];
        WorkingDirectory = workingDirectory;
    }

    /// <summary>Gets the program and its arguments.</summary>
    public IReadOnlyList<string> Argv { get; }

    /// <summary>Gets where the command runs, or null for the run's working directory.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>Writes the command as a quoted command line, for logs.</summary>
    /// <returns>The command line.</returns>
    public override string ToString() => Planning.CommandLine.Format(Argv);
}

/// <summary>What one command did: its argument vector, where it ran, its exit code and how long it took.</summary>
public sealed class CommandResult
{
    /// <summary>Creates a record of a command.</summary>
    /// <param name="argv">The program and its arguments.</param>
    /// <param name="workingDirectory">Where it ran.</param>
    /// <param name="exitCode">Its exit code, or null when it did not run or did not exit on its own.</param>
    /// <param name="duration">How long it ran.</param>
    public CommandResult(IReadOnlyList<string> argv, string? workingDirectory, int? exitCode, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(argv);
        Argv = argv;
        WorkingDirectory = workingDirectory;
        ExitCode = exitCode;
        Duration = duration;
    }

    /// <summary>Gets the program and its arguments.</summary>
    public IReadOnlyList<string> Argv { get; }

    /// <summary>Gets where the command ran.</summary>
    public string? WorkingDirectory { get; }

    /// <summary>Gets the exit code, or null when the command did not run or was killed.</summary>
    public int? ExitCode { get; }

    /// <summary>Gets how long the command ran.</summary>
    public TimeSpan Duration { get; }
}
