using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TaskExecKit.Telemetry;

/// <summary>The <c>taskexeckit.*</c> instruments and the activity source of one telemetry system.</summary>
internal sealed class TelemetryInstruments : IDisposable
{
    internal const string MeterName = "TaskExecKit";
    internal const string OwnerTag = "taskexeckit.telemetry.owner";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private int _queueDepth;

    internal TelemetryInstruments(IMeterFactory? factory, Func<TelemetryCounters> counters, Func<int> pending)
    {
        // The owner tag lets every telemetry system's listener skip the instruments of telemetry systems.
        var options = new MeterOptions(MeterName) { Tags = [new(OwnerTag, "telemetry-system")] };
        _ownsMeter = factory is null;
        _meter = factory?.Create(options) ?? new Meter(options);
        ActivitySource = new ActivitySource(MeterName);

        TasksStarted = _meter.CreateCounter<long>("taskexeckit.task.started", "{task}", "Tasks that started.");
        TasksFinished = _meter.CreateCounter<long>("taskexeckit.task.finished", "{task}", "Tasks that finished, tagged with their outcome.");
        TaskDuration = _meter.CreateHistogram<double>("taskexeckit.task.duration", "s", "How long finished tasks took.");
        TaskRetries = _meter.CreateCounter<long>("taskexeckit.task.retries", "{attempt}", "Attempts beyond the first.");
        Effects = _meter.CreateCounter<long>("taskexeckit.effect.count", "{effect}", "Effects performed or denied, tagged allowed=true/false.");
        LimitsHit = _meter.CreateCounter<long>("taskexeckit.limit.hit", "{limit}", "Limits that were hit.");
        Decisions = _meter.CreateCounter<long>("taskexeckit.decision.count", "{decision}", "Decisions recorded.");
        Tokens = _meter.CreateCounter<long>("taskexeckit.agent.tokens", "{token}", "Tokens used by model calls.");
        ModelTokenUsage = _meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "Tokens per model call, tagged gen_ai.token.type input/output, gen_ai.provider.name and gen_ai.request.model.");
        ModelCallDuration = _meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s", "How long model calls took, tagged gen_ai.provider.name and gen_ai.request.model.");
        ModelCost = _meter.CreateCounter<double>("taskexeckit.ai.cost", "{cost}", "Estimated cost of model calls in the price table's unit (US dollars by default), tagged gen_ai.provider.name and gen_ai.request.model; calls of unknown cost are not counted.");
        AgentDuration = _meter.CreateHistogram<double>("taskexeckit.agent.task.duration", "s", "Task durations of tracked agents, tagged with the agent.");
        Alerts = _meter.CreateCounter<long>("taskexeckit.alerts", "{alert}", "Alerts raised, tagged with the alert (failure_rate or p95_latency).");
        _meter.CreateObservableGauge("taskexeckit.queue.depth", () => Volatile.Read(ref _queueDepth), "{task}", "Tasks waiting to run, as last reported by the executor.");
        _meter.CreateObservableCounter("taskexeckit.telemetry.events.produced", () => counters().Produced, "{event}", "Telemetry events recorded.");
        _meter.CreateObservableCounter("taskexeckit.telemetry.events.persisted", () => counters().Persisted, "{event}", "Telemetry events the store accepted.");
        _meter.CreateObservableCounter("taskexeckit.telemetry.events.dropped", () => new[]
        {
            new Measurement<long>(counters().DroppedQueueFull, new KeyValuePair<string, object?>("reason", "queue_full")),
            new Measurement<long>(counters().DroppedStoreFailed, new KeyValuePair<string, object?>("reason", "store_failed")),
        }, "{event}", "Telemetry events dropped, by reason.");
        _meter.CreateObservableUpDownCounter("taskexeckit.telemetry.queue.size", pending, "{event}", "Telemetry events waiting for the store.");
    }

    internal Meter Meter => _meter;

    internal ActivitySource ActivitySource { get; }

    internal Counter<long> TasksStarted { get; }

    internal Counter<long> TasksFinished { get; }

    internal Histogram<double> TaskDuration { get; }

    internal Counter<long> TaskRetries { get; }

    internal Counter<long> Effects { get; }

    internal Counter<long> LimitsHit { get; }

    internal Counter<long> Decisions { get; }

    internal Counter<long> Tokens { get; }

    internal Histogram<long> ModelTokenUsage { get; }

    internal Histogram<double> ModelCallDuration { get; }

    internal Counter<double> ModelCost { get; }

    internal Histogram<double> AgentDuration { get; }

    internal Counter<long> Alerts { get; }

    internal void SetQueueDepth(int depth) => Volatile.Write(ref _queueDepth, depth);

    internal static bool IsOwnedByTelemetry(Instrument instrument)
    {
        if (instrument.Meter.Tags is null)
        {
            return false;
        }

        foreach (var tag in instrument.Meter.Tags)
        {
            if (tag.Key == OwnerTag)
            {
                return true;
            }
        }

        return false;
    }

    internal static string OutcomeTag(TaskOutcome outcome) => outcome switch
    {
        TaskOutcome.Succeeded => "succeeded",
        TaskOutcome.Failed => "failed",
        TaskOutcome.TimedOut => "timed_out",
        TaskOutcome.Cancelled => "cancelled",
        TaskOutcome.Skipped => "skipped",
        TaskOutcome.NeedsReview => "needs_review",
        _ => "unknown",
    };

    public void Dispose()
    {
        ActivitySource.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
