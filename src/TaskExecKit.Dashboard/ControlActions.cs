using System.Text;
using System.Text.Json;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Dashboard;

/// <summary>
/// The control actions behind the token: the kill switch (the file <c>&lt;runtime&gt;/state/KILL</c>, which the
/// executor and the autonomous engine check) and its clearing. Each is audited through the telemetry system: the
/// host's, or the runtime's store opened for writing just for the entry; when another process holds the store, the
/// entry waits in <c>state/dashboard-audit.pending.jsonl</c> and is written as soon as the store is free.
/// </summary>
internal sealed class ControlActions : IDisposable
{
    internal const string KillFileName = "KILL";
    internal const string PendingAuditFileName = "dashboard-audit.pending.jsonl";
    private const int MaxPendingBytes = 1 << 20;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DashboardState _state;

    internal ControlActions(DashboardState state) => _state = state;

    internal string KillPath => Path.Combine(_state.StateDirectory, KillFileName);

    private string PendingPath => Path.Combine(_state.StateDirectory, PendingAuditFileName);

    internal (bool Engaged, string? Reason) KillSwitch()
    {
        if (!File.Exists(KillPath))
        {
            return (false, null);
        }

        try
        {
            string text = File.ReadAllText(KillPath).Trim();
            return (true, text.Length > 500 ? text[..500] : text);
        }
        catch (IOException)
        {
            return (true, null);
        }
    }

    internal async Task<string> ClearKillAsync(string reason, CancellationToken cancellationToken)
    {
        File.Delete(KillPath);
        return await AuditAsync(new TelemetryEvent { Kind = TelemetryEventKind.Decision, Name = "kill switch cleared", Reason = "dashboard: " + reason, Detail = "state/KILL removed" }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Audits an action; returns <c>recorded</c> or <c>queued</c>.</summary>
    internal async Task<string> AuditAsync(TelemetryEvent entry, CancellationToken cancellationToken)
    {
        entry = entry with { AgentId = entry.AgentId ?? "dashboard", Timestamp = _state.Options.TimeProvider.GetUtcNow() };
        if (_state.Options.Telemetry is { } host)
        {
            host.Record(entry);
            await host.FlushAsync(cancellationToken).ConfigureAwait(false);
            return "recorded";
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await TryWriteAsync([.. ReadPending(), entry]).ConfigureAwait(false))
            {
                File.Delete(PendingPath);
                return "recorded";
            }

            var line = JsonSerializer.Serialize(new PendingEntry(entry.Kind, entry.Timestamp, entry.AgentId, entry.Name, entry.Reason, entry.Detail)) + "\n";
            if (!File.Exists(PendingPath) || new FileInfo(PendingPath).Length < MaxPendingBytes)
            {
                await File.AppendAllTextAsync(PendingPath, line, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
            }

            return "queued";
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes entries queued while another process held the store, if it is free now.</summary>
    internal async Task FlushQueuedAuditAsync(CancellationToken cancellationToken)
    {
        if (_state.Options.Telemetry is not null || !File.Exists(PendingPath))
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var pending = ReadPending();
            if (pending.Count == 0 || await TryWriteAsync(pending).ConfigureAwait(false))
            {
                File.Delete(PendingPath);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private List<TelemetryEvent> ReadPending()
    {
        var events = new List<TelemetryEvent>();
        if (!File.Exists(PendingPath))
        {
            return events;
        }

        foreach (string line in File.ReadLines(PendingPath))
        {
            try
            {
                if (JsonSerializer.Deserialize<PendingEntry>(line) is { } p)
                {
                    events.Add(new TelemetryEvent { Kind = p.Kind, Timestamp = p.Timestamp, AgentId = p.AgentId, Name = p.Name, Reason = p.Reason, Detail = p.Detail });
                }
            }
            catch (JsonException)
            {
                // A torn last line: skip it.
            }
        }

        return events;
    }

    private async Task<bool> TryWriteAsync(IReadOnlyList<TelemetryEvent> entries)
    {
        TelemetrySystem telemetry;
        try
        {
            telemetry = new TelemetrySystem(new TelemetryOptions
            {
                RuntimeDirectory = _state.RuntimeDirectory,
                Store = new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions()),
                WriteJsonLogs = false,
                PersistInstrumentMeasurements = false,
                TimeProvider = _state.Options.TimeProvider,
            });
        }
        catch (TelemetryStoreException)
        {
            return false; // Another process writes telemetry right now.
        }

        await using (telemetry.ConfigureAwait(false))
        {
            foreach (var entry in entries)
            {
                telemetry.Record(entry);
            }

            await telemetry.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return telemetry.Counters.Dropped == 0;
        }
    }

    public void Dispose() => _gate.Dispose();

    private sealed record PendingEntry(TelemetryEventKind Kind, DateTimeOffset Timestamp, string? AgentId, string? Name, string? Reason, string? Detail);
}
