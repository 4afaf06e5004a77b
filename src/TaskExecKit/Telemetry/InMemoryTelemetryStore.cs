namespace TaskExecKit.Telemetry;

/// <summary>
/// A bounded store in memory: the newest events and audit entries up to a capacity, and
/// per-minute rollups up to a number of minutes-per-agent; the oldest go first.
/// </summary>
internal sealed class InMemoryTelemetryStore : ITelemetryStore
{
    private readonly Lock _gate = new();
    private readonly TelemetryEvent[] _events;
    private readonly AuditEntry[] _audit;
    private readonly SortedDictionary<(long Minute, string Agent), MinuteRollup> _rollups = [];
    private readonly int _maxRollups;
    private long _eventCount;
    private long _auditCount;

    internal InMemoryTelemetryStore(int capacity, int maxRollups = 100_000)
    {
        _events = new TelemetryEvent[capacity];
        _audit = new AuditEntry[capacity];
        _maxRollups = maxRollups;
    }

    public string Description => $"in-memory (bounded: newest {_events.Length} events)";

    public ValueTask WriteAsync(ReadOnlyMemory<TelemetryEvent> batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            foreach (ref readonly var e in batch.Span)
            {
                _events[_eventCount++ % _events.Length] = e;
                if (e.IsAudited)
                {
                    _auditCount++;
                    _audit[(_auditCount - 1) % _audit.Length] = new AuditEntry(_auditCount, e, hash: null);
                }

                var key = (MinuteRollup.MinuteOf(e.Timestamp).UtcTicks, e.AgentId ?? string.Empty);
                if (!_rollups.TryGetValue(key, out var rollup))
                {
                    rollup = new MinuteRollup(e.Timestamp, key.Item2);
                    _rollups.Add(key, rollup);
                    if (_rollups.Count > _maxRollups)
                    {
                        _rollups.Remove(_rollups.Keys.First());
                    }
                }

                rollup.Add(e);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<MinuteRollup>> GetRollupsAsync(DateTimeOffset since, DateTimeOffset until, string? agentId, CancellationToken cancellationToken)
    {
        long first = MinuteRollup.MinuteOf(since).UtcTicks;
        long last = until.UtcTicks;
        var result = new List<MinuteRollup>();
        lock (_gate)
        {
            foreach (var ((minute, agent), rollup) in _rollups)
            {
                if (minute >= first && minute < last && (agentId is null || agent == agentId))
                {
                    var copy = new MinuteRollup(rollup.Minute, agent);
                    copy.Merge(rollup);
                    result.Add(copy);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<MinuteRollup>>(result);
    }

    public ValueTask<IReadOnlyList<TelemetryEvent>> GetEventsAsync(EventQuery query, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var result = new List<TelemetryEvent>();
        lock (_gate)
        {
            long oldest = Math.Max(0, _eventCount - _events.Length);
            for (long i = _eventCount - 1; i >= oldest && result.Count < query.Limit; i--)
            {
                ref readonly var e = ref _events[i % _events.Length];
                if (e.Timestamp >= since && e.Timestamp < until
                    && (query.AgentId is null || e.AgentId == query.AgentId)
                    && (query.Kinds.Count == 0 || query.Kinds.Contains(e.Kind)))
                {
                    result.Add(e);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<TelemetryEvent>>(result);
    }

    public ValueTask<IReadOnlyList<AuditEntry>> GetAuditEntriesAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken)
    {
        var result = new List<AuditEntry>();
        lock (_gate)
        {
            long oldest = Math.Max(0, _auditCount - _audit.Length);
            for (long i = oldest; i < _auditCount && result.Count < limit; i++)
            {
                var entry = _audit[i % _audit.Length];
                if (entry.Event.Timestamp >= since && entry.Event.Timestamp < until)
                {
                    result.Add(entry);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<AuditEntry>>(result);
    }

    public ValueTask<IReadOnlyList<AuditEntry>> GetLatestAuditEntriesAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken)
    {
        var result = new List<AuditEntry>();
        lock (_gate)
        {
            long oldest = Math.Max(0, _auditCount - _audit.Length);
            for (long i = _auditCount - 1; i >= oldest && result.Count < limit; i--)
            {
                var entry = _audit[i % _audit.Length];
                if (entry.Event.Timestamp >= since && entry.Event.Timestamp < until)
                {
                    result.Add(entry);
                }
            }
        }

        result.Reverse();
        return ValueTask.FromResult<IReadOnlyList<AuditEntry>>(result);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
