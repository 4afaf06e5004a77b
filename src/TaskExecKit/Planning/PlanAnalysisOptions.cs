namespace TaskExecKit.Planning;

/// <summary>How long to assume each task takes when analyzing a plan.</summary>
public sealed class PlanAnalysisOptions
{
    /// <summary>
    /// Gets measured durations by task id (for example from earlier runs). A task found here
    /// is assumed to take this long; otherwise its timeout (an upper bound), otherwise
    /// <see cref="DefaultTaskDuration"/>.
    /// </summary>
    public IDictionary<string, TimeSpan> History { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);

    /// <summary>Gets or sets the duration assumed for a task with no history and no timeout. One second by default.</summary>
    public TimeSpan DefaultTaskDuration { get; set; } = TimeSpan.FromSeconds(1);
}
