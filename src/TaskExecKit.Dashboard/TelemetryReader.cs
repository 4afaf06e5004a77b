using System.Globalization;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Dashboard;

/// <summary>
/// The telemetry the pages read: the host's <see cref="TelemetrySystem"/>, or the runtime directory's SQLite store
/// opened read-only once it exists. Metrics come from the per-minute rollups, never from scanning events.
/// </summary>
internal sealed class TelemetryReader : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DashboardState _state;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Version, Task<object> Value)> _shared = new(StringComparer.Ordinal);
    private TelemetrySystem? _own;
    private (string Key, AuditVerification? Result, string? Error)? _verification;

    internal TelemetryReader(DashboardState state) => _state = state;

    /// <summary>
    /// Shares one answer among every page that asks while nothing changed (<paramref name="version"/> is the change
    /// hub's): every open page asks again on each change, and they all want the same answer.
    /// </summary>
    internal Task<object> SharedAsync(string key, long version, Func<Task<object>> compute)
    {
        if (_shared.TryGetValue(key, out var entry) && entry.Version == version && !entry.Value.IsFaulted && !entry.Value.IsCanceled)
        {
            return entry.Value;
        }

        var value = compute();
        _shared[key] = (version, value);
        return value;
    }

    internal string TelemetryPath => Path.Combine(_state.RuntimeDirectory, "database", "telemetry.db");

    /// <summary>Gets the telemetry to read, or null when the runtime directory has none yet.</summary>
    internal async ValueTask<TelemetrySystem?> GetAsync(CancellationToken cancellationToken)
    {
        if (_state.Options.Telemetry is { } host)
        {
            return host;
        }

        if (Volatile.Read(ref _own) is { } own)
        {
            return own;
        }

        if (!File.Exists(TelemetryPath))
        {
            return null;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_own is null)
            {
                try
                {
                    _own = new TelemetrySystem(new TelemetryOptions
                    {
                        RuntimeDirectory = _state.RuntimeDirectory,
                        Store = new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions { ReadOnly = true }),
                        WriteJsonLogs = false,
                        PersistInstrumentMeasurements = false,
                        TimeProvider = _state.Options.TimeProvider,
                    });
                }
                catch (TelemetryStoreException)
                {
                    return null; // Being created by its writer right now: the next change event tries again.
                }
            }

            return _own;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Verifies the audit chain, again only when the audit files changed since the last check.</summary>
    internal async ValueTask<(AuditVerification? Result, string? Error)> VerifyAuditAsync(CancellationToken cancellationToken)
    {
        string db = Path.Combine(_state.RuntimeDirectory, "database");
        string key = string.Join('|', new[] { Path.Combine(db, "audit.db"), Path.Combine(db, "audit.db-wal"), Path.Combine(_state.StateDirectory, "audit.head") }
            .Select(p => new FileInfo(p)).Select(f => f.Exists ? string.Create(CultureInfo.InvariantCulture, $"{f.Length}:{f.LastWriteTimeUtc.Ticks}") : "-"));
        if (_verification is { } cached && string.Equals(cached.Key, key, StringComparison.Ordinal))
        {
            return (cached.Result, cached.Error);
        }

        if (!File.Exists(Path.Combine(db, "audit.db")))
        {
            return (null, "no audit trail yet");
        }

        AuditVerification? result = null;
        string? error = null;
        try
        {
            result = await SqliteAuditTrail.VerifyAsync(_state.RuntimeDirectory, null, cancellationToken).ConfigureAwait(false);
            if (!result.IsValid)
            {
                // A writer may have been between its commit and moving the chain head: look once more.
                await Task.Delay(TimeSpan.FromMilliseconds(100), _state.Options.TimeProvider, cancellationToken).ConfigureAwait(false);
                result = await SqliteAuditTrail.VerifyAsync(_state.RuntimeDirectory, null, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TelemetryStoreException ex)
        {
            error = ex.Message;
        }

        _verification = (key, result, error);
        return (result, error);
    }

    public async ValueTask DisposeAsync()
    {
        if (_own is not null)
        {
            await _own.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }
}
