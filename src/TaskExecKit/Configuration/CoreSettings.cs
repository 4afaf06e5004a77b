namespace TaskExecKit.Configuration;

/// <summary>
/// How the engine runs tasks: parallelism, timeouts, retries and where it writes.
/// Read from <c>core.toml</c> (or a <c>[core]</c> table). Immutable once loaded.
/// </summary>
public sealed class CoreSettings
{
    internal CoreSettings()
    {
    }

    /// <summary>
    /// Gets the largest number of tasks that run at the same time (<c>max_workers</c>).
    /// At least 1; defaults to the number of processors.
    /// </summary>
    public int MaxWorkers { get; internal set; } = System.Environment.ProcessorCount;

    /// <summary>
    /// Gets how long a task may run when it sets no timeout of its own (<c>default_timeout</c>).
    /// Defaults to 10 minutes.
    /// </summary>
    public TimeSpan DefaultTimeout { get; internal set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets how many times a failed task is tried again when it sets no retry count of its own
    /// (<c>default_retries</c>). Defaults to 0.
    /// </summary>
    public int DefaultRetries { get; internal set; }

    /// <summary>
    /// Gets the folder where each run's records are written (<c>runs_dir</c>), as written in the
    /// configuration; a relative path is relative to the host's working directory. Defaults to <c>runs</c>.
    /// </summary>
    public string RunsDirectory { get; internal set; } = "runs";

    /// <summary>
    /// Gets the folder for runtime state, databases and caches (<c>runtime_dir</c>), as written in the
    /// configuration. Defaults to <c>runtime</c>.
    /// </summary>
    public string RuntimeDirectory { get; internal set; } = "runtime";

    /// <summary>
    /// Gets a value indicating whether the first failed task stops the whole run (<c>fail_fast</c>).
    /// Defaults to <see langword="false"/>.
    /// </summary>
    public bool FailFast { get; internal set; }

    /// <summary>
    /// Gets a value indicating whether tasks are planned and checked but not executed (<c>dry_run</c>).
    /// Defaults to <see langword="false"/>.
    /// </summary>
    public bool DryRun { get; internal set; }
}
