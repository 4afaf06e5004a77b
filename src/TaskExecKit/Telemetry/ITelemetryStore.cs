namespace TaskExecKit.Telemetry;

/// <summary>
/// Where telemetry is kept. A store receives redacted batches from one writer at a time and
/// answers the queries the dashboard and CLI need; it is disposed with the telemetry system.
/// </summary>
public interface ITelemetryStore : IAsyncDisposable
{
    /// <summary>Gets a one-line description, for example <c>sqlite: runtime/database/telemetry.db</c>.</summary>
    string Description { get; }

    /// <summary>Persists a batch of events (already redacted); audited kinds also go to the audit trail.</summary>
    /// <param name="batch">The events, oldest first.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the batch is durable as the store defines it.</returns>
    ValueTask WriteAsync(ReadOnlyMemory<TelemetryEvent> batch, CancellationToken cancellationToken);

    /// <summary>Reads the per-minute rollups of minutes in [<paramref name="since"/>, <paramref name="until"/>).</summary>
    /// <param name="since">The start, inclusive (widened to its minute).</param>
    /// <param name="until">The end, exclusive.</param>
    /// <param name="agentId">Only this agent, or null for all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The rollups, oldest first.</returns>
    ValueTask<IReadOnlyList<MinuteRollup>> GetRollupsAsync(DateTimeOffset since, DateTimeOffset until, string? agentId, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the all-agents rollups (one per minute, agent <c>*</c>, events without an agent included) of minutes in
    /// [<paramref name="since"/>, <paramref name="until"/>). Stores that keep such a rollup answer from it; the default
    /// merges <see cref="GetRollupsAsync"/>'s rows per minute.
    /// </summary>
    /// <param name="since">The start, inclusive (widened to its minute).</param>
    /// <param name="until">The end, exclusive.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One rollup per minute that had events, oldest first.</returns>
    async ValueTask<IReadOnlyList<MinuteRollup>> GetOverallRollupsAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var rows = await GetRollupsAsync(since, until, null, cancellationToken).ConfigureAwait(false);
        var minutes = new SortedDictionary<DateTimeOffset, MinuteRollup>();
        foreach (var row in rows)
        {
            if (!minutes.TryGetValue(row.Minute, out var sum))
            {
                minutes[row.Minute] = sum = new MinuteRollup(row.Minute, "*");
            }

            sum.Merge(row);
        }

        return [.. minutes.Values];
    }

    /// <summary>Reads events, newest first.</summary>
    /// <param name="query">The filter and limit.</param>
    /// <param name="since">The start, inclusive.</param>
    /// <param name="until">The end, exclusive.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events, newest first.</returns>
    ValueTask<IReadOnlyList<TelemetryEvent>> GetEventsAsync(EventQuery query, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Reads audit entries, oldest first.</summary>
    /// <param name="since">The start, inclusive.</param>
    /// <param name="until">The end, exclusive.</param>
    /// <param name="limit">The most entries to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries, oldest first.</returns>
    ValueTask<IReadOnlyList<AuditEntry>> GetAuditEntriesAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the newest audit entries of a range, returned oldest first. The default reads the range with
    /// <see cref="GetAuditEntriesAsync"/> (up to 1,000,000 entries) and keeps the last ones; a store that can
    /// read backwards should override it.
    /// </summary>
    /// <param name="since">The start, inclusive.</param>
    /// <param name="until">The end, exclusive.</param>
    /// <param name="limit">The most entries to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The newest entries, oldest first.</returns>
    async ValueTask<IReadOnlyList<AuditEntry>> GetLatestAuditEntriesAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken)
    {
        var all = await GetAuditEntriesAsync(since, until, 1_000_000, cancellationToken).ConfigureAwait(false);
        return all.Count <= limit ? all : [.. all.Skip(all.Count - limit)];
    }
}

/// <summary>Creates the store a telemetry system writes to.</summary>
public interface ITelemetryStoreFactory
{
    /// <summary>Opens (or creates) the store.</summary>
    /// <param name="context">Where the runtime directory is and which clock to use.</param>
    /// <returns>The open store.</returns>
    /// <exception cref="TelemetryStoreException">The store exists but cannot be used; it is left untouched.</exception>
    ITelemetryStore Create(TelemetryStoreContext context);
}

/// <summary>What a store factory gets to open a store.</summary>
public sealed class TelemetryStoreContext
{
    /// <summary>Creates the context.</summary>
    /// <param name="runtimeDirectory">The full path of the runtime directory.</param>
    /// <param name="timeProvider">The clock.</param>
    public TelemetryStoreContext(string runtimeDirectory, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeDirectory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        RuntimeDirectory = runtimeDirectory;
        TimeProvider = timeProvider;
    }

    /// <summary>Gets the full path of the runtime directory (its <c>database/</c>, <c>state/</c> and <c>logs/</c> exist).</summary>
    public string RuntimeDirectory { get; }

    /// <summary>Gets the clock.</summary>
    public TimeProvider TimeProvider { get; }
}
