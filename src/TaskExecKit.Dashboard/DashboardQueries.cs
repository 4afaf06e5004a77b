using TaskExecKit.Telemetry;

namespace TaskExecKit.Dashboard;

/// <summary>
/// The queries behind the pages, as plain objects for JSON. Metrics come from the store's per-minute rollups
/// (<see cref="TelemetrySystem.GetMetricsAsync"/>); lists of events read the newest rows through the store's indexes.
/// </summary>
internal static class DashboardQueries
{
    internal const int MaxAgentsCharted = 12;

    internal static async Task<object> AgentsAsync(TelemetrySystem telemetry, TimeRange range, CancellationToken ct)
    {
        var snapshot = await telemetry.GetMetricsAsync(range, null, ct).ConfigureAwait(false);
        var agents = new List<object>();
        foreach (var agent in snapshot.Agents.Values.OrderByDescending(a => a.TasksFinished).ThenBy(a => a.AgentId, StringComparer.Ordinal).Take(MaxAgentsCharted))
        {
            var own = await telemetry.GetMetricsAsync(range, agent.AgentId, ct).ConfigureAwait(false);
            agents.Add(new
            {
                metrics = Metrics(agent),
                series = own.PerMinute.Select(Point).ToList(),
            });
        }

        return new
        {
            available = true,
            from = snapshot.From,
            to = snapshot.To,
            store = snapshot.Store,
            overall = Metrics(snapshot.Overall),
            series = snapshot.PerMinute.Select(Point).ToList(),
            agents,
            agentCount = snapshot.Agents.Count,
        };
    }

    internal static async Task<object> LoopHistoryAsync(TelemetrySystem telemetry, CancellationToken ct)
    {
        var found = await NewestAsync(telemetry, [([TelemetryEventKind.Decision], 100), ([TelemetryEventKind.LimitHit], 50), ([TelemetryEventKind.KillSwitch], 20)], ct).ConfigureAwait(false);
        return new
        {
            decisions = found[0].Select(e => new { time = e.Timestamp, decision = e.Name, reason = e.Reason, inputs = e.Detail, agent = e.AgentId, task = e.TaskId }).ToList(),
            limits = found[1].Select(e => new { time = e.Timestamp, limit = e.Name, value = e.Value, agent = e.AgentId, task = e.TaskId }).ToList(),
            kills = found[2].Select(e => new { time = e.Timestamp, reason = e.Reason, agent = e.AgentId }).ToList(),
        };
    }

    /// <summary>
    /// The newest events of some kinds in the last 24 hours. The SQLite store reads each kind as its own newest-first
    /// range of its (kind, time) index, so a rare kind costs what it holds, not the day's rows.
    /// </summary>
    internal static async Task<IReadOnlyList<TelemetryEvent>[]> NewestAsync(TelemetrySystem telemetry, (TelemetryEventKind[] Kinds, int Limit)[] wanted, CancellationToken ct)
    {
        var day = TimeRange.Last(TimeSpan.FromDays(1));
        var results = new IReadOnlyList<TelemetryEvent>[wanted.Length];
        for (int i = 0; i < wanted.Length; i++)
        {
            results[i] = await telemetry.GetEventsAsync(new EventQuery(day, null, wanted[i].Kinds, wanted[i].Limit), ct).ConfigureAwait(false);
        }

        return results;
    }

    internal static async Task<List<object>> AuditAsync(TelemetrySystem telemetry, TimeRange range, string? kind, string? agent, string? text, CancellationToken ct)
    {
        var entries = await telemetry.GetLatestAuditEntriesAsync(range, 5000, ct).ConfigureAwait(false);
        TelemetryEventKind? wanted = Enum.TryParse<TelemetryEventKind>(kind, ignoreCase: true, out var k) ? k : null;
        return [.. entries
            .Where(e => wanted is null || e.Event.Kind == wanted)
            .Where(e => string.IsNullOrWhiteSpace(agent) || string.Equals(e.Event.AgentId, agent, StringComparison.Ordinal))
            .Where(e => string.IsNullOrWhiteSpace(text) || Contains(e.Event, text))
            .Reverse()
            .Take(500)
            .Select(e => (object)new
            {
                seq = e.Sequence,
                time = e.Event.Timestamp,
                kind = e.Event.Kind.ToString(),
                agent = e.Event.AgentId,
                task = e.Event.TaskId,
                what = e.Event.Name,
                why = e.Event.Reason,
                detail = e.Event.Detail,
                hash = e.Hash is { Length: > 12 } h ? h[..12] : e.Hash,
            })];
    }

    internal static async Task<object> AlertsAsync(TelemetrySystem telemetry, CancellationToken ct)
    {
        var events = (await NewestAsync(telemetry, [([TelemetryEventKind.AlertRaised, TelemetryEventKind.AlertCleared], 200)], ct).ConfigureAwait(false))[0];
        var latest = new Dictionary<(string?, string?), TelemetryEvent>();
        foreach (var e in events)
        {
            latest.TryAdd((e.Name, e.AgentId), e); // Newest first: the first seen is the latest.
        }

        return new
        {
            active = latest.Values.Where(e => e.Kind == TelemetryEventKind.AlertRaised).Select(Alert).ToList(),
            events = events.Select(Alert).ToList(),
        };
    }

    private static object Alert(TelemetryEvent e) => new
    {
        time = e.Timestamp,
        state = e.Kind == TelemetryEventKind.AlertRaised ? "raised" : "cleared",
        alert = e.Name,
        agent = e.AgentId,
        value = e.Value,
        threshold = e.Detail,
        measured = e.Count,
    };

    private static bool Contains(TelemetryEvent e, string text) =>
        (e.Name?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
        || (e.Reason?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
        || (e.Detail?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
        || (e.TaskId?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false);

    private static object Metrics(AgentMetrics a) => new
    {
        agentId = a.AgentId,
        started = a.TasksStarted,
        finished = a.TasksFinished,
        succeeded = a.TasksSucceeded,
        failed = a.TasksFailed,
        successRate = a.SuccessRate,
        retries = a.Retries,
        p50Ms = a.LatencyP50?.TotalMilliseconds,
        p99Ms = a.LatencyP99?.TotalMilliseconds,
        meanMs = a.MeanLatency?.TotalMilliseconds,
        tokens = a.Tokens,
        effectsDenied = a.CountOf(TelemetryEventKind.EffectDenied),
    };

    private static object Point(MinuteMetrics m) => new
    {
        minute = m.Minute,
        finished = m.Metrics.TasksFinished,
        successRate = m.Metrics.SuccessRate,
        p50Ms = m.Metrics.LatencyP50?.TotalMilliseconds,
        p99Ms = m.Metrics.LatencyP99?.TotalMilliseconds,
    };
}
