using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Telemetry;

/// <summary>A store whose writes wait for a gate and can be told to fail; it keeps what it was given.</summary>
internal sealed class GatedStore : ITelemetryStore, ITelemetryStoreFactory
{
    private readonly InMemoryTelemetryStore _inner = new(1_000_000);

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public bool Fail { get; set; }

    public int Batches { get; private set; }

    public string Description => "gated test store";

    public ITelemetryStore Create(TelemetryStoreContext context) => this;

    public async ValueTask WriteAsync(ReadOnlyMemory<TelemetryEvent> batch, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        Gate.Release();
        Batches++;
        if (Fail)
        {
            throw new IOException("disk full (test)");
        }

        await _inner.WriteAsync(batch, cancellationToken);
    }

    public ValueTask<IReadOnlyList<MinuteRollup>> GetRollupsAsync(DateTimeOffset since, DateTimeOffset until, string? agentId, CancellationToken cancellationToken) =>
        _inner.GetRollupsAsync(since, until, agentId, cancellationToken);

    public ValueTask<IReadOnlyList<TelemetryEvent>> GetEventsAsync(EventQuery query, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken) =>
        _inner.GetEventsAsync(query, since, until, cancellationToken);

    public ValueTask<IReadOnlyList<AuditEntry>> GetAuditEntriesAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken) =>
        _inner.GetAuditEntriesAsync(since, until, limit, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
