namespace TaskExecKit.Planning;

/// <summary>Options for reading a plan: the clock that stamps it and the directory its source is relative to.</summary>
public sealed class PlanReadOptions
{
    internal static readonly PlanReadOptions Default = new();

    /// <summary>Gets or sets the clock that stamps <see cref="Plan.GeneratedAt"/>; the system clock when null.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>
    /// Gets or sets the directory <see cref="Plan.Source"/> is written relative to; the current
    /// directory when null.
    /// </summary>
    public string? WorkingDirectory { get; set; }

    internal DateTimeOffset Now()
    {
        var now = (TimeProvider ?? TimeProvider.System).GetUtcNow();

        // plan.json records whole seconds, as the legacy kit did.
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    internal string SourceFor(string path)
    {
        string relative = Path.GetRelativePath(WorkingDirectory ?? Directory.GetCurrentDirectory(), Path.GetFullPath(path));
        return relative.Replace('\\', '/');
    }
}
