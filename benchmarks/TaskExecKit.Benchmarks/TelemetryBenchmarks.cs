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

/// <summary>
/// The queue alone, without the instruments: System.Threading.Channels' bounded channel (DropWrite,
/// one reader) against the lock-free <see cref="EventQueue"/> that replaced it in the hot path, both
/// drained by a reader on another thread, as in <see cref="TelemetrySystem"/>.
/// Run: dotnet run -c Release -- --filter *TelemetryQueue* --job short
/// </summary>
[MemoryDiagnoser]
public class TelemetryQueueBenchmarks
{
    private const int Capacity = 1 << 16;
    private readonly TelemetryEvent _event = new() { Kind = TelemetryEventKind.TaskFinished, TaskId = "TASK-001", AgentId = "agent-1" };
    private System.Threading.Channels.Channel<TelemetryEvent> _channel = null!;
    private EventQueue _queue = null!;
    private Task _reader = Task.CompletedTask;

    [GlobalSetup(Target = nameof(BoundedChannelTryWrite))]
    public void SetupChannel()
    {
        _channel = System.Threading.Channels.Channel.CreateBounded<TelemetryEvent>(new System.Threading.Channels.BoundedChannelOptions(Capacity)
        {
            FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite,
            SingleReader = true,
            SingleWriter = false,
        });
        var reader = _channel.Reader;
        _reader = Task.Run(async () =>
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out _))
                {
                }
            }
        });
    }

    [GlobalSetup(Target = nameof(EventQueueTryWrite))]
    public void SetupQueue()
    {
        _queue = new EventQueue(Capacity);
        var queue = _queue;
        _reader = Task.Run(async () =>
        {
            while (await queue.WaitToReadAsync().ConfigureAwait(false))
            {
                while (queue.TryRead(out _))
                {
                }
            }
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel?.Writer.TryComplete();
        _queue?.Complete();
        _reader.GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public bool BoundedChannelTryWrite() => _channel.Writer.TryWrite(_event);

    [Benchmark]
    public bool EventQueueTryWrite() => _queue.TryWrite(_event);
}

/// <summary>
/// The queue alone, never full and never contended: one write and one read on the same thread, so
/// the figures are each queue's own cost rather than a race with the reader (in
/// <see cref="TelemetryQueueBenchmarks"/> a fast writer mostly meets a full queue).
/// Run: dotnet run -c Release -- --filter *TelemetryQueueRoundTrip* --job short
/// </summary>
[MemoryDiagnoser]
public class TelemetryQueueRoundTripBenchmarks
{
    private readonly TelemetryEvent _event = new() { Kind = TelemetryEventKind.TaskFinished, TaskId = "TASK-001", AgentId = "agent-1" };
    private readonly System.Threading.Channels.Channel<TelemetryEvent> _channel = System.Threading.Channels.Channel.CreateBounded<TelemetryEvent>(
        new System.Threading.Channels.BoundedChannelOptions(1 << 16) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly EventQueue _queue = new(1 << 16);

    [Benchmark(Baseline = true)]
    public bool BoundedChannelWriteRead() => _channel.Writer.TryWrite(_event) && _channel.Reader.TryRead(out _);

    [Benchmark]
    public bool EventQueueWriteRead() => _queue.TryWrite(_event) && _queue.TryRead(out _);
}
