using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TaskExecKit.Telemetry;

/// <summary>
/// Collects metrics, events, decisions and audit entries, publishes them as <c>taskexeckit.*</c>
/// instruments and activities on the <c>TaskExecKit</c> meter and activity source, and persists
/// them through a bounded queue and a batching writer.
/// </summary>
/// <remarks>
/// <para>Recording (<see cref="Record(in TelemetryEvent)"/> and the <c>RecordXxx</c> methods) never blocks
/// and allocates nothing: when the queue is full the event is dropped and counted, so
/// <see cref="TelemetryCounters.Produced"/> always equals persisted + dropped + pending.</para>
/// <para>Secrets are redacted by the writer before anything reaches the store or the logs.</para>
/// </remarks>
public sealed class TelemetrySystem : IAsyncDisposable
{
    internal const string SqliteFactoryTypeName = "TaskExecKit.Sqlite.SqliteTelemetryStoreFactory, TaskExecKit.Sqlite";

    private readonly EventQueue _queue;
    private readonly ITelemetryStore _store;
    private readonly Redactor _redactor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TelemetryInstruments _instruments;
    private readonly MeterListener? _listener;
    private readonly JsonLinesLog? _log;
    private readonly ConcurrentDictionary<string, byte> _tracked = new(StringComparer.Ordinal);
    private readonly int _batchSize;
    private readonly AlertEvaluator? _alerts;
    private readonly AlertWebhook? _webhook;
    private readonly Task _writer;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _produced;
    private long _persisted;
    private long _droppedFull;
    private long _droppedStore;
    private int _disposed;

    /// <summary>
    /// Creates a telemetry system with the embedded default: SQLite under <c>./runtime/database/</c>
    /// when the <c>TaskExecKit.Sqlite</c> package is referenced, otherwise a bounded in-memory store.
    /// <see cref="StoreDescription"/> says which.
    /// </summary>
    public TelemetrySystem()
        : this(new TelemetryOptions())
    {
    }

    /// <summary>Creates a telemetry system.</summary>
    /// <param name="options">How to record and where to keep it.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    /// <exception cref="TelemetryStoreException">The store exists but cannot be used; it is left untouched.</exception>
    public TelemetrySystem(TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _time = options.TimeProvider;
        _logger = options.LoggerFactory?.CreateLogger("TaskExecKit.Telemetry") ?? NullLogger.Instance;
        _redactor = new Redactor(options.Redaction, Environment.GetEnvironmentVariables());
        _batchSize = options.BatchSize;
        _alerts = options.Alerts.Enabled ? new AlertEvaluator(options.Alerts) : null;

        string root = RuntimeLayout.Ensure(options.RuntimeDirectory);
        RuntimeDirectory = root;
        var factory = options.Store ?? (options.DiscoverStore ? DiscoverSqlite() : null);
        _store = factory is null
            ? new InMemoryTelemetryStore(options.InMemoryCapacity)
            : factory.Create(new TelemetryStoreContext(root, _time));
        TelemetryLog.StoreSelected(_logger, _store.Description);

        _log = options.WriteJsonLogs ? new JsonLinesLog(root, options.Logs, _time) : null;
        _queue = new EventQueue(options.QueueCapacity);
        _instruments = new TelemetryInstruments(options.MeterFactory, () => Counters, () => _queue.Count);

        if (options.PersistInstrumentMeasurements)
        {
            _listener = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == TelemetryInstruments.MeterName && !TelemetryInstruments.IsOwnedByTelemetry(instrument))
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => RecordMeasurement(instrument, value));
            _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => RecordMeasurement(instrument, value));
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => RecordMeasurement(instrument, value));
            _listener.Start();
        }

        _webhook = options.Alerts.Enabled && options.Alerts.Webhook is not null ? new AlertWebhook(options.Alerts, this, _logger) : null;
        _writer = Task.Run(RunWriterAsync);
    }

    /// <summary>Gets which store is used, for example <c>sqlite: /app/runtime/database/telemetry.db</c> or <c>in-memory (bounded ...)</c>.</summary>
    public string StoreDescription => _store.Description;

    /// <summary>Gets the full path of the runtime directory.</summary>
    public string RuntimeDirectory { get; }

    /// <summary>Gets the counts of the recording pipeline: produced, persisted, dropped and pending events.</summary>
    public TelemetryCounters Counters => new(
        Volatile.Read(ref _produced), Volatile.Read(ref _persisted), Volatile.Read(ref _droppedFull), Volatile.Read(ref _droppedStore));

    /// <summary>
    /// Starts tracking an agent: it appears in every <see cref="MetricsSnapshot"/> (even without activity) and its
    /// task durations are published on <c>taskexeckit.agent.task.duration</c> tagged with <c>agent.id</c>.
    /// </summary>
    /// <param name="agentId">The agent.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when tracking has started.</returns>
    public ValueTask TrackAgentPerformanceAsync(string agentId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agentId);
        cancellationToken.ThrowIfCancellationRequested();
        if (_tracked.TryAdd(agentId, 0))
        {
            Record(new TelemetryEvent { Kind = TelemetryEventKind.AgentTracked, AgentId = agentId });
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Gets the agents being tracked.</summary>
    public IReadOnlyCollection<string> TrackedAgents => [.. _tracked.Keys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// Gets metrics over a range (for example <see cref="TimeRange.LastHour"/>): overall, per agent and per minute.
    /// With an agent, every figure is that agent's alone. Pending events are flushed first.
    /// </summary>
    /// <param name="range">The range.</param>
    /// <param name="agentId">Only this agent, or null for all.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The snapshot.</returns>
    public async ValueTask<MetricsSnapshot> GetMetricsAsync(TimeRange range, string? agentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(range);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var (from, to) = range.Resolve(_time.GetUtcNow());
        var rollups = await _store.GetRollupsAsync(from, to, agentId, cancellationToken).ConfigureAwait(false);
        return BuildSnapshot(from, to, rollups, agentId is null ? TrackedAgents : [agentId], _store.Description, Counters);
    }

    /// <summary>
    /// Gets the metrics of each minute of a range that had events, oldest first: of one agent, or of all agents
    /// together (read from the store's all-agents rollup: one row per minute, however many agents there are).
    /// Pending events are flushed first.
    /// </summary>
    /// <param name="range">The range (widened to whole minutes).</param>
    /// <param name="agentId">Only this agent, or null for all agents together.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>One entry per minute with events, oldest first.</returns>
    public async ValueTask<IReadOnlyList<MinuteMetrics>> GetMetricsPerMinuteAsync(TimeRange range, string? agentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(range);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var (from, to) = range.Resolve(_time.GetUtcNow());
        var rollups = agentId is null
            ? await _store.GetOverallRollupsAsync(from, to, cancellationToken).ConfigureAwait(false)
            : await _store.GetRollupsAsync(from, to, agentId, cancellationToken).ConfigureAwait(false);
        var result = new List<MinuteMetrics>(rollups.Count);
        foreach (var rollup in rollups)
        {
            result.Add(new MinuteMetrics(rollup.Minute, new AgentMetrics(agentId ?? "*", rollup)));
        }

        return result;
    }

    /// <summary>
    /// Reads trends over a range: for each minute with events, the moving average of the task latency and of the
    /// failure rate over the window ending with that minute, of one agent or of all agents together. The window
    /// reaches back before the range, so the first minutes have whole windows too. Read from the per-minute rollups.
    /// </summary>
    /// <param name="range">The range (widened to whole minutes).</param>
    /// <param name="agentId">Only this agent, or null for all agents together.</param>
    /// <param name="window">The moving-average window, at least one minute; <see cref="MetricsTrends.DefaultWindow"/> (15 minutes) when null.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>One point per minute of the range with events, oldest first.</returns>
    public async ValueTask<IReadOnlyList<TrendPoint>> GetTrendsAsync(TimeRange range, string? agentId = null, TimeSpan? window = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(range);
        TimeSpan width = window ?? MetricsTrends.DefaultWindow;
        ArgumentOutOfRangeException.ThrowIfLessThan(width, TimeSpan.FromMinutes(1));
        var (from, to) = range.Resolve(_time.GetUtcNow());
        var perMinute = await GetMetricsPerMinuteAsync(TimeRange.Between(from - width, to), agentId, cancellationToken).ConfigureAwait(false);
        DateTimeOffset firstMinute = MinuteRollup.MinuteOf(from);
        return [.. MetricsTrends.Compute(perMinute, width).Where(p => p.Minute >= firstMinute)];
    }

    /// <summary>
    /// Counts the events of each kind recorded in a range (widened to whole minutes), of one agent or of all agents,
    /// from the per-minute rollups. Kinds with no events are absent. Pending events are flushed first.
    /// </summary>
    /// <param name="range">The range.</param>
    /// <param name="agentId">Only this agent, or null for all agents (events without an agent included).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The count of each kind that occurred.</returns>
    public async ValueTask<IReadOnlyDictionary<TelemetryEventKind, long>> GetEventCountsAsync(TimeRange range, string? agentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(range);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var (from, to) = range.Resolve(_time.GetUtcNow());
        var rollups = agentId is null
            ? await _store.GetOverallRollupsAsync(from, to, cancellationToken).ConfigureAwait(false)
            : await _store.GetRollupsAsync(from, to, agentId, cancellationToken).ConfigureAwait(false);
        return CountByKind(rollups);
    }

    internal static Dictionary<TelemetryEventKind, long> CountByKind(IReadOnlyList<MinuteRollup> rollups)
    {
        var counts = new Dictionary<TelemetryEventKind, long>();
        foreach (var kind in Enum.GetValues<TelemetryEventKind>())
        {
            long n = 0;
            foreach (var rollup in rollups)
            {
                n += rollup.CountOf(kind);
            }

            if (n > 0)
            {
                counts[kind] = n;
            }
        }

        return counts;
    }

    /// <summary>Reads events back, newest first. Pending events are flushed first.</summary>
    /// <param name="query">Which events.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The events, newest first.</returns>
    public async ValueTask<IReadOnlyList<TelemetryEvent>> GetEventsAsync(EventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var (from, to) = query.Range.Resolve(_time.GetUtcNow());
        return await _store.GetEventsAsync(query, from, to, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads audit entries, oldest first. Pending events are flushed first.</summary>
    /// <param name="range">The range.</param>
    /// <param name="limit">The most entries to return (1 to 1,000,000).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The entries, oldest first.</returns>
    public ValueTask<IReadOnlyList<AuditEntry>> GetAuditEntriesAsync(TimeRange range, int limit = 1000, CancellationToken cancellationToken = default) =>
        ReadAuditAsync(range, limit, latest: false, cancellationToken);

    /// <summary>
    /// Reads the newest audit entries of a range (what a person looking at "the last hour" wants when there are
    /// more than <paramref name="limit"/>), returned oldest first. Pending events are flushed first.
    /// </summary>
    /// <param name="range">The range.</param>
    /// <param name="limit">The most entries to return (1 to 1,000,000).</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The newest entries of the range, oldest first.</returns>
    public ValueTask<IReadOnlyList<AuditEntry>> GetLatestAuditEntriesAsync(TimeRange range, int limit = 1000, CancellationToken cancellationToken = default) =>
        ReadAuditAsync(range, limit, latest: true, cancellationToken);

    private async ValueTask<IReadOnlyList<AuditEntry>> ReadAuditAsync(TimeRange range, int limit, bool latest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1_000_000);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var (from, to) = range.Resolve(_time.GetUtcNow());
        return latest
            ? await _store.GetLatestAuditEntriesAsync(from, to, limit, cancellationToken).ConfigureAwait(false)
            : await _store.GetAuditEntriesAsync(from, to, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until every event recorded before the call is persisted or dropped.</summary>
    /// <param name="cancellationToken">Cancels the wait (not the writing).</param>
    /// <returns>A task that completes when the events are out of the queue.</returns>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        long target = Volatile.Read(ref _produced);
        while (true)
        {
            var progress = Volatile.Read(ref _progress);
            long done = Volatile.Read(ref _persisted) + Volatile.Read(ref _droppedFull) + Volatile.Read(ref _droppedStore);
            if (done >= target || _writer.IsCompleted)
            {
                return;
            }

            await progress.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records an event without blocking or allocating. A default <see cref="TelemetryEvent.Timestamp"/>
    /// is replaced by the current time. Returns false when the event was dropped (queue full or disposed).
    /// </summary>
    /// <param name="telemetryEvent">The event.</param>
    /// <returns>True when the event was queued; false when it was dropped and counted.</returns>
    public bool Record(in TelemetryEvent telemetryEvent)
    {
        Interlocked.Increment(ref _produced);
        bool queued = telemetryEvent.Timestamp == default
            ? _queue.TryWrite(telemetryEvent with { Timestamp = _time.GetUtcNow() })
            : _queue.TryWrite(telemetryEvent);
        if (!queued)
        {
            Interlocked.Increment(ref _droppedFull);
        }

        return queued;
    }

    /// <summary>Records that a task started.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="agentId">The agent running it, if any.</param>
    /// <returns>True when queued; false when dropped and counted.</returns>
    public bool RecordTaskStarted(string taskId, string? agentId = null)
    {
        _instruments.TasksStarted.Add(1);
        return Record(new TelemetryEvent { Kind = TelemetryEventKind.TaskStarted, Timestamp = _time.GetUtcNow(), TaskId = taskId, AgentId = agentId });
    }

    /// <summary>Records that a task finished.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="agentId">The agent that ran it, if any.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="duration">How long it took, all attempts included.</param>
    /// <param name="attempts">How many attempts it took (1 when it was not retried).</param>
    /// <returns>True when queued; false when dropped and counted.</returns>
    public bool RecordTaskFinished(string taskId, string? agentId, TaskOutcome outcome, TimeSpan duration, int attempts = 1)
    {
        var outcomeTag = new KeyValuePair<string, object?>("outcome", TelemetryInstruments.OutcomeTag(outcome));
        _instruments.TasksFinished.Add(1, outcomeTag);
        _instruments.TaskDuration.Record(duration.TotalSeconds, outcomeTag);
        if (attempts > 1)
        {
            _instruments.TaskRetries.Add(attempts - 1);
        }

        if (agentId is not null && _instruments.AgentDuration.Enabled && _tracked.ContainsKey(agentId))
        {
            _instruments.AgentDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("agent.id", agentId), outcomeTag);
        }

        return Record(new TelemetryEvent
        {
            Kind = TelemetryEventKind.TaskFinished,
            Timestamp = _time.GetUtcNow(),
            TaskId = taskId,
            AgentId = agentId,
            Outcome = outcome,
            Value = duration.TotalMilliseconds,
            Count = attempts,
        });
    }

    /// <summary>Records an effect that was performed or denied (audited).</summary>
    /// <param name="capability">The capability asked for, for example <c>process:git</c>.</param>
    /// <param name="target">What the effect acted on.</param>
    /// <param name="allowed">Whether it was performed.</param>
    /// <param name="reason">Why it was denied, if it was.</param>
    /// <param name="agentId">The agent, if any.</param>
    /// <param name="taskId">The task, if any.</param>
    /// <returns>True when queued; false when dropped and counted.</returns>
    public bool RecordEffect(string capability, string? target, bool allowed, string? reason = null, string? agentId = null, string? taskId = null)
    {
        _instruments.Effects.Add(1, new KeyValuePair<string, object?>("allowed", allowed ? "true" : "false"));
        return Record(new TelemetryEvent
        {
            Kind = allowed ? TelemetryEventKind.EffectPerformed : TelemetryEventKind.EffectDenied,
            Timestamp = _time.GetUtcNow(),
            Name = capability,
            Detail = target,
            Reason = reason,
            AgentId = agentId,
            TaskId = taskId,
        });
    }

    /// <summary>Records a decision: what was decided, why, and from which inputs (audited).</summary>
    /// <param name="decision">What was decided.</param>
    /// <param name="reason">Why.</param>
    /// <param name="inputs">The inputs it was decided from.</param>
    /// <param name="agentId">The agent that decided, if any.</param>
    /// <param name="taskId">The task, if any.</param>
    /// <returns>True when queued; false when dropped and counted.</returns>
    public bool RecordDecision(string decision, string? reason, string? inputs, string? agentId = null, string? taskId = null)
    {
        _instruments.Decisions.Add(1);
        return Record(new TelemetryEvent
        {
            Kind = TelemetryEventKind.Decision,
            Timestamp = _time.GetUtcNow(),
            Name = decision,
            Reason = reason,
            Detail = inputs,
            AgentId = agentId,
            TaskId = taskId,
        });
    }

    /// <summary>Records that a limit was hit.</summary>
    /// <param name="limit">The limit, for example <c>max_attempts</c>.</param>
    /// <param name="value">The limit's value.</param>
    /// <param name="agentId">The agent, if any.</param>
    /// <param name="taskId">The task, if any.</param>
    /// <returns>True when queued; false when dropped and counted.</returns>
    public bool RecordLimitHit(string limit, double value, string? agentId = null, string? taskId = null)
    {
        _instruments.LimitsHit.Add(1);
        return Record(new TelemetryEvent { Kind = TelemetryEventKind.LimitHit, Timestamp = _time.GetUtcNow(), Name = limit, Value = value, AgentId = agentId, TaskId = taskId });
    }

    /// <summary>Records that a kill switch stopped work (audited).</summary>
    /// <param name="reason">Why.</param>
    /// <param name="agentId">The agent stopped, or null when everything stopped.</param>
    /// <returns>True when queued; false when dropped and counted.</returns>
    public bool RecordKillSwitch(string reason, string? agentId = null) =>
        Record(new TelemetryEvent { Kind = TelemetryEventKind.KillSwitch, Timestamp = _time.GetUtcNow(), Reason = reason, AgentId = agentId });

    /// <summary>Records a configuration change (audited; the value is redacted like everything else).</summary>
    /// <param name="key">The setting, for example <c>executor.max_workers</c>.</param>
    /// <param name="newValue">The new value.</param>
    /// <param name="source">Where the change came from (a file, a command).</param>
    /// <returns>True when queued; false when dropped and counted.</returns>
    public bool RecordConfigurationChange(string key, string? newValue, string? source = null) =>
        Record(new TelemetryEvent { Kind = TelemetryEventKind.ConfigurationChanged, Timestamp = _time.GetUtcNow(), Name = key, Detail = newValue, Reason = source });

    /// <summary>Records a model call's tokens and cost. Its text is kept only when <see cref="TelemetryRedactionOptions.CaptureModelText"/> is on.</summary>
    /// <param name="agentId">The agent.</param>
    /// <param name="model">The model.</param>
    /// <param name="tokens">Tokens used (input and output).</param>
    /// <param name="cost">The cost.</param>
    /// <param name="text">The prompt and response text, if the caller wants it considered.</param>
    /// <param name="taskId">The task, if any.</param>
    /// <returns>True when queued; false when dropped and counted.</returns>
    public bool RecordModelCall(string agentId, string model, long tokens, double cost, string? text = null, string? taskId = null)
    {
        _instruments.Tokens.Add(tokens);
        return Record(new TelemetryEvent { Kind = TelemetryEventKind.ModelCall, Timestamp = _time.GetUtcNow(), AgentId = agentId, Name = model, Count = tokens, Value = cost, Detail = text, TaskId = taskId });
    }

    /// <summary>
    /// Records one model call of an AI agent: provider, model, input and output tokens, latency and
    /// estimated cost. Takes no prompt or response text. The event's <see cref="TelemetryEvent.Name"/> is the model,
    /// <see cref="TelemetryEvent.Reason"/> the provider, <see cref="TelemetryEvent.Count"/> the tokens and
    /// <see cref="TelemetryEvent.Value"/> the cost estimate (0 when unknown);
    /// the latency and the input/output split go to the <c>gen_ai.client.operation.duration</c> and
    /// <c>gen_ai.client.token.usage</c> instruments, a known cost to <c>taskexeckit.ai.cost</c>.
    /// </summary>
    /// <param name="call">The call.</param>
    /// <returns>True when queued; false when dropped and counted.</returns>
    public bool RecordModelCall(in ModelCallRecord call)
    {
        var providerTag = new KeyValuePair<string, object?>("gen_ai.provider.name", call.Provider);
        var modelTag = new KeyValuePair<string, object?>("gen_ai.request.model", call.Model);
        _instruments.Tokens.Add(call.InputTokens + call.OutputTokens);
        _instruments.ModelTokenUsage.Record(call.InputTokens, providerTag, modelTag, new KeyValuePair<string, object?>("gen_ai.token.type", "input"));
        _instruments.ModelTokenUsage.Record(call.OutputTokens, providerTag, modelTag, new KeyValuePair<string, object?>("gen_ai.token.type", "output"));
        _instruments.ModelCallDuration.Record(call.Latency.TotalSeconds, providerTag, modelTag);
        if (call.CostEstimate is { } cost)
        {
            _instruments.ModelCost.Add((double)cost, providerTag, modelTag);
        }

        return Record(new TelemetryEvent
        {
            Kind = TelemetryEventKind.ModelCall,
            Timestamp = _time.GetUtcNow(),
            AgentId = call.AgentId,
            Name = call.Model,
            Reason = call.Provider,
            Count = call.InputTokens + call.OutputTokens,
            Value = (double)(call.CostEstimate ?? 0m),
            TaskId = call.TaskId,
        });
    }

    /// <summary>Reports how many tasks wait to run (published as <c>taskexeckit.queue.depth</c>; not persisted).</summary>
    /// <param name="depth">The queue depth.</param>
    public void RecordQueueDepth(int depth) => _instruments.SetQueueDepth(depth);

    /// <summary>Starts an activity for a task on the <c>TaskExecKit</c> activity source, or returns null when nobody listens.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="agentId">The agent, if any.</param>
    /// <returns>The started activity, which the caller stops; or null.</returns>
    public Activity? StartTaskActivity(string taskId, string? agentId = null)
    {
        var activity = _instruments.ActivitySource.StartActivity("taskexeckit.task");
        if (activity is not null)
        {
            activity.SetTag("taskexeckit.task.id", taskId);
            if (agentId is not null)
            {
                activity.SetTag("taskexeckit.agent.id", agentId);
            }
        }

        return activity;
    }

    /// <summary>Stops accepting events, writes the ones queued, and closes the store.</summary>
    /// <returns>A task that completes when everything is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _listener?.Dispose();
        if (_webhook is not null)
        {
            // Alerts raised so far are sent (or denied) and their audit rows recorded before the queue closes.
            await FlushAsync().ConfigureAwait(false);
            await _webhook.DisposeAsync().ConfigureAwait(false);
        }

        _queue.Complete();
        await _writer.ConfigureAwait(false);

        // A record racing the disposal may have slipped in after the writer's last look: count it as dropped.
        long late = 0;
        while (_queue.TryRead(out _))
        {
            late++;
        }

        Interlocked.Add(ref _droppedFull, late);
        _log?.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
        _instruments.Dispose();
    }

    internal static MetricsSnapshot BuildSnapshot(DateTimeOffset from, DateTimeOffset to, IReadOnlyList<MinuteRollup> rollups,
        IReadOnlyCollection<string> alwaysInclude, string store, TelemetryCounters counters)
    {
        var overall = new MinuteRollup(from, "*");
        var agents = new SortedDictionary<string, MinuteRollup>(StringComparer.Ordinal);
        var minutes = new SortedDictionary<DateTimeOffset, MinuteRollup>();
        foreach (string agent in alwaysInclude)
        {
            agents[agent] = new MinuteRollup(from, agent);
        }

        foreach (var rollup in rollups)
        {
            overall.Merge(rollup);
            if (rollup.AgentId.Length > 0)
            {
                if (!agents.TryGetValue(rollup.AgentId, out var a))
                {
                    agents[rollup.AgentId] = a = new MinuteRollup(from, rollup.AgentId);
                }

                a.Merge(rollup);
            }

            if (!minutes.TryGetValue(rollup.Minute, out var m))
            {
                minutes[rollup.Minute] = m = new MinuteRollup(rollup.Minute, "*");
            }

            m.Merge(rollup);
        }

        var perAgent = agents.ToDictionary(kv => kv.Key, kv => new AgentMetrics(kv.Key, kv.Value), StringComparer.Ordinal);
        var perMinute = minutes.Select(kv => new MinuteMetrics(kv.Key, new AgentMetrics("*", kv.Value))).ToList();
        return new MetricsSnapshot(from, to, new AgentMetrics("*", overall), perAgent, perMinute, store, counters);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "Optional satellite; when it is trimmed away or absent the in-memory store is used and StoreDescription says so.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "As above: a missing constructor falls back to the in-memory store.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above.")]
    private static ITelemetryStoreFactory? DiscoverSqlite()
    {
        // The core never references a satellite: it looks the SQLite factory up by name (see docs/telemetry.md).
        var type = Type.GetType(SqliteFactoryTypeName, throwOnError: false);
        return type is null ? null : Activator.CreateInstance(type) as ITelemetryStoreFactory;
    }

    private void RecordMeasurement<T>(Instrument instrument, T value)
        where T : struct
    {
        double v = value switch
        {
            long l => l,
            int i => i,
            double d => d,
            _ => 0,
        };
        Record(new TelemetryEvent { Kind = TelemetryEventKind.Metric, Timestamp = _time.GetUtcNow(), Name = instrument.Name, Value = v });
    }

    private TelemetryEvent RedactOrStrip(in TelemetryEvent e)
    {
        try
        {
            return _redactor.Redact(e);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            // A pattern that cannot finish must not let text through: keep the event, drop all of its text.
            return e with { AgentId = Redactor.Mask, TaskId = Redactor.Mask, Name = Redactor.Mask, Reason = Redactor.Mask, Detail = Redactor.Mask };
        }
    }

    private async Task RunWriterAsync()
    {
        var batch = new TelemetryEvent[_batchSize];
        var raised = new List<TelemetryEvent>();
        var reader = _queue;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            int n = 0;
            while (n < batch.Length && reader.TryRead(out var e))
            {
                batch[n++] = RedactOrStrip(e);
            }

            if (n == 0)
            {
                continue;
            }

            bool written = await TryPersistAsync(batch, n).ConfigureAwait(false);

            // Alerts are evaluated off the hot path, after the batch is written, and persisted before the batch
            // counts as done, so a flush (and every query) also sees the alerts its events raised.
            int alerts = 0;
            if (_alerts is not null)
            {
                _alerts.Evaluate(batch.AsSpan(0, n), _time.GetUtcNow(), raised);
                alerts = raised.Count;
            }

            bool alertsWritten = true;
            TelemetryEvent[]? alertBatch = null;
            if (alerts > 0)
            {
                Interlocked.Add(ref _produced, alerts);
                alertBatch = new TelemetryEvent[alerts];
                for (int i = 0; i < alerts; i++)
                {
                    alertBatch[i] = RedactOrStrip(raised[i]);
                    _webhook?.Enqueue(alertBatch[i]);
                    if (raised[i].Kind == TelemetryEventKind.AlertRaised)
                    {
                        _instruments.Alerts.Add(1, new KeyValuePair<string, object?>("alert", raised[i].Name));
                    }
                }

                raised.Clear();
                alertsWritten = await TryPersistAsync(alertBatch, alerts).ConfigureAwait(false);
            }

            Interlocked.Add(ref written ? ref _persisted : ref _droppedStore, n);
            if (alerts > 0)
            {
                Interlocked.Add(ref alertsWritten ? ref _persisted : ref _droppedStore, alerts);
            }

            Array.Clear(batch, 0, n);
            Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        _progress.TrySetResult();
    }

    private async ValueTask<bool> TryPersistAsync(TelemetryEvent[] events, int n)
    {
        bool written;
        try
        {
            await _store.WriteAsync(new ReadOnlyMemory<TelemetryEvent>(events, 0, n), CancellationToken.None).ConfigureAwait(false);
            written = true;
        }
#pragma warning disable CA1031 // The writer must outlive a failing store: the batch is counted as dropped and logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            written = false;
            TelemetryLog.StoreWriteFailed(_logger, n, ex);
        }

        if (_log is not null)
        {
            try
            {
                _log.Write(events.AsSpan(0, n));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                TelemetryLog.JsonLogFailed(_logger, ex);
            }
        }

        return written;
    }
}
