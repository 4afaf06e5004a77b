namespace TaskExecKit.Telemetry;

/// <summary>Which events to read back: newest first, within a range, optionally for one agent and some kinds.</summary>
public sealed class EventQuery
{
    /// <summary>Creates a query over a time range.</summary>
    /// <param name="range">The time range to read.</param>
    /// <param name="agentId">Only events of this agent, or null for all.</param>
    /// <param name="kinds">Only events of these kinds, or null/empty for all.</param>
    /// <param name="limit">The most events to return (1 to 100,000).</param>
    public EventQuery(TimeRange range, string? agentId = null, IReadOnlyCollection<TelemetryEventKind>? kinds = null, int limit = 100)
    {
        ArgumentNullException.ThrowIfNull(range);
        if (limit is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be between 1 and 100000.");
        }

        Range = range;
        AgentId = agentId;
        Kinds = kinds is { Count: > 0 } ? [.. kinds.Distinct()] : [];
        Limit = limit;
    }

    /// <summary>Gets the time range to read.</summary>
    public TimeRange Range { get; }

    /// <summary>Gets the agent to filter by, or null for all agents.</summary>
    public string? AgentId { get; }

    /// <summary>Gets the kinds to return; empty means all.</summary>
    public IReadOnlyList<TelemetryEventKind> Kinds { get; }

    /// <summary>Gets the most events to return.</summary>
    public int Limit { get; }
}
