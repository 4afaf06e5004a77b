namespace TaskExecKit.Telemetry;

/// <summary>The metrics of one agent (or of all agents together) over a time range.</summary>
public sealed class AgentMetrics
{
    private readonly MinuteRollup _rollup;

    internal AgentMetrics(string agentId, MinuteRollup rollup)
    {
        AgentId = agentId;
        _rollup = rollup;
    }

    /// <summary>Gets the agent, or <c>*</c> for the overall figures.</summary>
    public string AgentId { get; }

    /// <summary>Gets the tasks that started.</summary>
    public long TasksStarted => _rollup.CountOf(TelemetryEventKind.TaskStarted);

    /// <summary>Gets the tasks that finished, whatever the outcome.</summary>
    public long TasksFinished => _rollup.Succeeded + _rollup.Failed;

    /// <summary>Gets the finished tasks that succeeded.</summary>
    public long TasksSucceeded => _rollup.Succeeded;

    /// <summary>Gets the finished tasks that failed, timed out or were cancelled or skipped.</summary>
    public long TasksFailed => _rollup.Failed;

    /// <summary>Gets the share of finished tasks that succeeded (0 to 1), or null when none finished.</summary>
    public double? SuccessRate => TasksFinished == 0 ? null : (double)TasksSucceeded / TasksFinished;

    /// <summary>Gets the attempts finished tasks took.</summary>
    public long Attempts => _rollup.Attempts;

    /// <summary>Gets the retries: attempts beyond the first.</summary>
    public long Retries => Math.Max(0, Attempts - TasksFinished);

    /// <summary>Gets the tokens model calls used.</summary>
    public long Tokens => _rollup.Tokens;

    /// <summary>Gets the cost of model calls.</summary>
    public double Cost => _rollup.Cost;

    /// <summary>Gets the mean task duration, or null when none finished.</summary>
    public TimeSpan? MeanLatency => TasksFinished == 0 ? null : TimeSpan.FromMilliseconds(_rollup.DurationMilliseconds / TasksFinished);

    /// <summary>Gets the median task duration (histogram resolution, about 19 %), or null.</summary>
    public TimeSpan? LatencyP50 => _rollup.Percentile(0.50);

    /// <summary>Gets the 90th percentile task duration (histogram resolution), or null.</summary>
    public TimeSpan? LatencyP90 => _rollup.Percentile(0.90);

    /// <summary>Gets the 99th percentile task duration (histogram resolution), or null.</summary>
    public TimeSpan? LatencyP99 => _rollup.Percentile(0.99);

    /// <summary>Gets the number of events of a kind.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>How many were recorded.</returns>
    public long CountOf(TelemetryEventKind kind) => _rollup.CountOf(kind);
}

/// <summary>The metrics of one minute.</summary>
public sealed class MinuteMetrics
{
    internal MinuteMetrics(DateTimeOffset minute, AgentMetrics metrics)
    {
        Minute = minute;
        Metrics = metrics;
    }

    /// <summary>Gets the start of the minute, in UTC.</summary>
    public DateTimeOffset Minute { get; }

    /// <summary>Gets the metrics of that minute.</summary>
    public AgentMetrics Metrics { get; }
}

/// <summary>
/// A typed snapshot of metrics over a time range: overall, per agent and per minute, plus the
/// state of the recording pipeline. Figures come from per-minute rollups, so the range is
/// widened to whole minutes.
/// </summary>
public sealed class MetricsSnapshot
{
    internal MetricsSnapshot(DateTimeOffset from, DateTimeOffset to, AgentMetrics overall, IReadOnlyDictionary<string, AgentMetrics> agents,
        IReadOnlyList<MinuteMetrics> perMinute, string store, TelemetryCounters pipeline)
    {
        From = from;
        To = to;
        Overall = overall;
        Agents = agents;
        PerMinute = perMinute;
        Store = store;
        Pipeline = pipeline;
    }

    /// <summary>Gets the start of the range (inclusive).</summary>
    public DateTimeOffset From { get; }

    /// <summary>Gets the end of the range (exclusive).</summary>
    public DateTimeOffset To { get; }

    /// <summary>Gets the figures of all agents together (and of events without an agent).</summary>
    public AgentMetrics Overall { get; }

    /// <summary>Gets the figures per agent: every tracked agent, and every agent with events in the range.</summary>
    public IReadOnlyDictionary<string, AgentMetrics> Agents { get; }

    /// <summary>Gets the figures per minute that had events, oldest first.</summary>
    public IReadOnlyList<MinuteMetrics> PerMinute { get; }

    /// <summary>Gets a description of the store the figures came from.</summary>
    public string Store { get; }

    /// <summary>Gets the counts of the recording pipeline when the snapshot was taken.</summary>
    public TelemetryCounters Pipeline { get; }
}

/// <summary>
/// The counts of the recording pipeline. Every recorded event is either persisted, dropped
/// or still pending: <c>Produced = Persisted + Dropped + Pending</c>, and Pending is 0 after a flush.
/// </summary>
/// <param name="Produced">Events recorded.</param>
/// <param name="Persisted">Events the store accepted.</param>
/// <param name="DroppedQueueFull">Events dropped because the queue was full (or the system was disposed).</param>
/// <param name="DroppedStoreFailed">Events dropped because the store failed to write them.</param>
public readonly record struct TelemetryCounters(long Produced, long Persisted, long DroppedQueueFull, long DroppedStoreFailed)
{
    /// <summary>Gets all dropped events.</summary>
    public long Dropped => DroppedQueueFull + DroppedStoreFailed;

    /// <summary>Gets events recorded but not yet persisted or dropped.</summary>
    public long Pending => Produced - Persisted - Dropped;
}
