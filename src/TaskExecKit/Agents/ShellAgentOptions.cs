namespace TaskExecKit.Agents;

/// <summary>How the <c>shell</c> agent runs commands.</summary>
public sealed class ShellAgentOptions
{
    /// <summary>
    /// Gets or sets how many bytes of a task's output are written to its log; the rest is read
    /// and dropped, and the log says so. 10 MiB by default.
    /// </summary>
    public long MaxLogBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Gets or sets the CPU time a command may use (RLIMIT_CPU), or null for no limit.</summary>
    public TimeSpan? CpuTimeLimit { get; set; }

    /// <summary>Gets or sets the address space a command may use in bytes (RLIMIT_AS), or null for no limit.</summary>
    public long? MemoryLimitBytes { get; set; }

    /// <summary>Gets or sets how many files a command may have open (RLIMIT_NOFILE), or null for no limit.</summary>
    public int? OpenFilesLimit { get; set; }

    /// <summary>
    /// Gets or sets how many processes the command's user may have (RLIMIT_NPROC, counted per user
    /// by the kernel, and not enforced for root), or null for no limit.
    /// </summary>
    public int? ProcessLimit { get; set; }

    /// <summary>
    /// Gets or sets the OS sandbox commands run in. <see cref="ShellSandbox.None"/> by default;
    /// when a sandbox is asked for but not available, tasks fail rather than run without it.
    /// </summary>
    public ShellSandbox Sandbox { get; set; }

    internal bool HasResourceLimits => CpuTimeLimit is not null || MemoryLimitBytes is not null || OpenFilesLimit is not null || ProcessLimit is not null;

    internal void Validate()
    {
        if (MaxLogBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLogBytes), MaxLogBytes, "MaxLogBytes cannot be negative.");
        }

        if (CpuTimeLimit is { } cpu && cpu < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(CpuTimeLimit), cpu, "CpuTimeLimit is counted in whole seconds and must be at least 1 second.");
        }

        if (MemoryLimitBytes is <= 0 || OpenFilesLimit is <= 0 || ProcessLimit is <= 0)
        {
            throw new ArgumentOutOfRangeException(
                MemoryLimitBytes is <= 0 ? nameof(MemoryLimitBytes) : OpenFilesLimit is <= 0 ? nameof(OpenFilesLimit) : nameof(ProcessLimit),
                "Resource limits must be positive; leave a limit null to not set it.");
        }

        if (!Enum.IsDefined(Sandbox))
        {
            throw new ArgumentOutOfRangeException(nameof(Sandbox), Sandbox, "Sandbox is not a known ShellSandbox value.");
        }
    }
}

/// <summary>The OS sandbox the <c>shell</c> agent runs commands in.</summary>
public enum ShellSandbox
{
    /// <summary>No OS sandbox: a command can do whatever its user can (the policy only decides which commands start).</summary>
    None,

    /// <summary>
    /// Bubblewrap (<c>bwrap</c>): a read-only view of the file system with only the granted write
    /// subtrees writable, a private /tmp, and no network unless a <c>net:</c> capability is granted.
    /// </summary>
    Bubblewrap,
}
