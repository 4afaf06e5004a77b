namespace TaskExecKit.Configuration;

/// <summary>
/// How autonomous operation cycles and when it must stop. Read from <c>autonomous.toml</c>
/// (or an <c>[autonomous]</c> table). Immutable once loaded.
/// </summary>
public sealed class AutonomousSettings
{
    internal AutonomousSettings()
    {
    }

    /// <summary>
    /// Gets the pause between two autonomous cycles (<c>cycle_interval</c>). Defaults to 5 seconds.
    /// </summary>
    public TimeSpan CycleInterval { get; internal set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the hard limits of autonomous operation (the <c>[limits]</c> table).</summary>
    public AutonomousLimits Limits { get; } = new();
}

/// <summary>
/// The hard limits that stop autonomous operation; every limit has a finite default, so an
/// autonomous run is always bounded. Read from the <c>[limits]</c> table of <c>autonomous.toml</c>.
/// </summary>
public sealed class AutonomousLimits
{
    internal AutonomousLimits()
    {
    }

    /// <summary>Gets the largest number of cycles (<c>max_iterations</c>). At least 1; defaults to 100.</summary>
    public int MaxIterations { get; internal set; } = 100;

    /// <summary>Gets the longest total running time (<c>max_wall_time</c>). Defaults to 1 hour.</summary>
    public TimeSpan MaxWallTime { get; internal set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets the largest number of model tokens (input plus output) spent (<c>max_tokens</c>).
    /// Defaults to 1,000,000.
    /// </summary>
    public long MaxTokens { get; internal set; } = 1_000_000;

    /// <summary>
    /// Gets the largest estimated model spend, in US dollars (<c>max_cost</c>). Defaults to 10.
    /// </summary>
    public decimal MaxCost { get; internal set; } = 10m;

    /// <summary>Gets the largest number of tasks executed (<c>max_tasks</c>). Defaults to 1,000.</summary>
    public int MaxTasks { get; internal set; } = 1_000;

    /// <summary>
    /// Gets how many tasks may fail in a row before operation stops (<c>max_consecutive_failures</c>).
    /// Defaults to 5.
    /// </summary>
    public int MaxConsecutiveFailures { get; internal set; } = 5;

    /// <summary>
    /// Gets the largest share of failed tasks, from 0 to 1, before operation stops (<c>max_error_rate</c>).
    /// Defaults to 0.5.
    /// </summary>
    public double MaxErrorRate { get; internal set; } = 0.5;
}
