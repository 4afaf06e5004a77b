using BenchmarkDotNet.Attributes;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Benchmarks;

/// <summary>
/// The telemetry hot path: recording one event (enqueue into the bounded queue, instruments, accounting).
/// Run: dotnet run -c Release -- --filter *TelemetryRecord* --job short
/// </summary>
[MemoryDiagnoser]
public class TelemetryRecordBenchmarks
{
    private TelemetrySystem _telemetry = null!;
    private string _dir = null!;

    [Params("discard", "in-memory")]
    public string Store { get; set; } = "discard";

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "tek-bench-" + Guid.NewGuid().ToString("N"));
        _telemetry = new TelemetrySystem(new TelemetryOptions
        {
            RuntimeDirectory = _dir,
            DiscoverStore = false,
            Store = Store == "discard" ? new DiscardStore() : null,
            QueueCapacity = 1 << 20,
            WriteJsonLogs = false,
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _telemetry.DisposeAsync().AsTask().GetAwaiter().GetResult();
        var c = _telemetry.Counters;
        Console.WriteLine($"// telemetry counters ({Store}): produced {c.Produced}, persisted {c.Persisted}, dropped {c.Dropped} (queue full {c.DroppedQueueFull})");
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark]
    public bool RecordTaskFinished() => _telemetry.RecordTaskFinished("TASK-001", "agent-1", TaskOutcome.Succeeded, TimeSpan.FromMilliseconds(12), attempts: 1);

    [Benchmark]
    public bool RecordEffectDenied() => _telemetry.RecordEffect("process:git", "git push", allowed: false, reason: "not granted", agentId: "agent-1", taskId: "TASK-001");

    internal sealed class DiscardStore : ITelemetryStore, ITelemetryStoreFactory
    {
        public string Description => "discard";

        public ITelemetryStore Create(TelemetryStoreContext context) => this;

        public ValueTask WriteAsync(ReadOnlyMemory<TelemetryEvent> batch, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<IReadOnlyList<MinuteRollup>> GetRollupsAsync(DateTimeOffset since, DateTimeOffset until, string? agentId, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<MinuteRollup>>([]);

        public ValueTask<IReadOnlyList<TelemetryEvent>> GetEventsAsync(EventQuery query, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<TelemetryEvent>>([]);

        public ValueTask<IReadOnlyList<AuditEntry>> GetAuditEntriesAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<AuditEntry>>([]);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// The SQLite sink: one batch of 4,096 events per operation (reported per event), plain and audited.
/// Run: dotnet run -c Release -- --filter *TelemetrySqlite* --job short
/// </summary>
[MemoryDiagnoser]
public class TelemetrySqliteBenchmarks
{
    private const int Batch = 4096;
    private readonly TelemetryEvent[] _plain = new TelemetryEvent[Batch];
    private readonly TelemetryEvent[] _audited = new TelemetryEvent[Batch];
    private ITelemetryStore _store = null!;
    private string _dir = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "tek-bench-" + Guid.NewGuid().ToString("N"));
        _store = new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions { RetentionAge = null, MaxDatabaseBytes = null })
            .Create(new TelemetryStoreContext(_dir, TimeProvider.System));
        var now = TimeProvider.System.GetUtcNow();
        for (int i = 0; i < Batch; i++)
        {
            _plain[i] = TelemetryWorkload.Event(i, now);
            _audited[i] = TelemetryWorkload.Audited(i, now);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public ValueTask WriteBatchOfEvents() => _store.WriteAsync(_plain, CancellationToken.None);

    [Benchmark(OperationsPerInvoke = Batch)]
    public ValueTask WriteBatchOfAuditedEvents() => _store.WriteAsync(_audited, CancellationToken.None);
}

/// <summary>The synthetic workload the telemetry benchmarks write: 20 agents, task starts and finishes, spread over time.</summary>
internal static class TelemetryWorkload
{
    private static readonly string[] Agents = [.. Enumerable.Range(0, 20).Select(i => $"agent-{i:D2}")];
    private static readonly string[] Tasks = [.. Enumerable.Range(0, 500).Select(i => $"TASK-{i:D3}")];

    internal static TelemetryEvent Event(int i, DateTimeOffset at) => new()
    {
        Kind = i % 2 == 0 ? TelemetryEventKind.TaskStarted : TelemetryEventKind.TaskFinished,
        Timestamp = at,
        AgentId = Agents[i % Agents.Length],
        TaskId = Tasks[i % Tasks.Length],
        Outcome = i % 2 == 0 ? TaskOutcome.None : i % 10 == 1 ? TaskOutcome.Failed : TaskOutcome.Succeeded,
        Value = i % 2 == 0 ? 0 : 5 + (i % 997),
        Count = i % 2 == 0 ? 0 : 1 + (i % 3 == 0 ? 1 : 0),
    };

    internal static TelemetryEvent Audited(int i, DateTimeOffset at) => new()
    {
        Kind = i % 2 == 0 ? TelemetryEventKind.EffectPerformed : TelemetryEventKind.Decision,
        Timestamp = at,
        AgentId = Agents[i % Agents.Length],
        TaskId = Tasks[i % Tasks.Length],
        Name = i % 2 == 0 ? "process:git" : "retry",
        Reason = i % 2 == 0 ? null : "transient failure",
        Detail = i % 2 == 0 ? "git status --porcelain" : "attempt=1; budget=3",
    };
}
