using System.Globalization;

namespace TaskExecKit.Telemetry;

/// <summary>
/// Evaluates the alert thresholds over the last <see cref="TelemetryAlertOptions.WindowSize"/> finished tasks of
/// each agent and of all agents. Runs on the telemetry writer only (one thread), after each batch; it raises an
/// alert once when its value crosses above the threshold and clears it once when the value is back at or below.
/// </summary>
internal sealed class AlertEvaluator
{
    internal const string FailureRateAlert = "failure_rate";
    internal const string P95LatencyAlert = "p95_latency";

    private readonly double _failureRate;
    private readonly double _p95Milliseconds;
    private readonly int _windowSize;
    private readonly int _minimumSamples;
    private readonly Window _overall;
    private readonly Dictionary<string, Window> _agents = new(StringComparer.Ordinal);
    private readonly List<Window> _touched = [];
    private readonly double[] _scratch;

    internal AlertEvaluator(TelemetryAlertOptions options)
    {
        _failureRate = options.FailureRate;
        _p95Milliseconds = options.P95Latency.TotalMilliseconds;
        _windowSize = options.WindowSize;
        _minimumSamples = options.MinimumSamples;
        _overall = new Window(null, _windowSize);
        _scratch = new double[_windowSize];
    }

    /// <summary>Adds the batch's finished tasks to the windows and appends the alerts raised or cleared to <paramref name="alerts"/>.</summary>
    /// <param name="batch">A batch of (redacted) events.</param>
    /// <param name="now">The time of the alert events.</param>
    /// <param name="alerts">Receives the <see cref="TelemetryEventKind.AlertRaised"/>/<see cref="TelemetryEventKind.AlertCleared"/> events.</param>
    internal void Evaluate(ReadOnlySpan<TelemetryEvent> batch, DateTimeOffset now, List<TelemetryEvent> alerts)
    {
        foreach (ref readonly var e in batch)
        {
            if (e.Kind != TelemetryEventKind.TaskFinished)
            {
                continue;
            }

            bool failed = e.Outcome != TaskOutcome.Succeeded;
            Add(_overall, e.Value, failed);
            if (e.AgentId is not null)
            {
                if (!_agents.TryGetValue(e.AgentId, out var window))
                {
                    _agents[e.AgentId] = window = new Window(e.AgentId, _windowSize);
                }

                Add(window, e.Value, failed);
            }
        }

        foreach (var window in _touched)
        {
            window.Touched = false;
            if (window.Count < _minimumSamples)
            {
                continue;
            }

            double rate = (double)window.Failures / window.Count;
            window.FailureRaised = Check(window, FailureRateAlert, rate, _failureRate, window.FailureRaised, now, alerts);
            double p95 = P95(window);
            window.LatencyRaised = Check(window, P95LatencyAlert, p95, _p95Milliseconds, window.LatencyRaised, now, alerts);
        }

        _touched.Clear();
    }

    private static bool Check(Window window, string alert, double value, double threshold, bool raised, DateTimeOffset now, List<TelemetryEvent> alerts)
    {
        bool above = value > threshold;
        if (above == raised)
        {
            return raised;
        }

        string measure = alert == FailureRateAlert ? "failure rate" : "p95 task latency (ms)";
        string scope = window.AgentId is null ? "all agents" : "agent " + window.AgentId;
        alerts.Add(new TelemetryEvent
        {
            Kind = above ? TelemetryEventKind.AlertRaised : TelemetryEventKind.AlertCleared,
            Timestamp = now,
            AgentId = window.AgentId,
            Name = alert,
            Value = value,
            Detail = threshold.ToString("R", CultureInfo.InvariantCulture),
            Count = window.Count,
            Reason = string.Create(CultureInfo.InvariantCulture,
                $"{measure} {value:0.###} {(above ? "above" : "back at or below")} {threshold:0.###} over the last {window.Count} tasks of {scope}"),
        });
        return above;
    }

    private void Add(Window window, double milliseconds, bool failed)
    {
        if (window.Count == _windowSize)
        {
            if (window.Failed[window.Next])
            {
                window.Failures--;
            }
        }
        else
        {
            window.Count++;
        }

        window.Durations[window.Next] = milliseconds;
        window.Failed[window.Next] = failed;
        if (failed)
        {
            window.Failures++;
        }

        window.Next = (window.Next + 1) % _windowSize;
        if (!window.Touched)
        {
            window.Touched = true;
            _touched.Add(window);
        }
    }

    private double P95(Window window)
    {
        // Nearest rank: the smallest duration with at least 95 % of the window at or below it.
        var span = _scratch.AsSpan(0, window.Count);
        window.Durations.AsSpan(0, window.Count).CopyTo(span);
        span.Sort();
        int rank = (int)Math.Ceiling(0.95 * window.Count);
        return span[rank - 1];
    }

    private sealed class Window(string? agentId, int size)
    {
        public string? AgentId { get; } = agentId;

        public double[] Durations { get; } = new double[size];

        public bool[] Failed { get; } = new bool[size];

        public int Count { get; set; }

        public int Next { get; set; }

        public int Failures { get; set; }

        public bool Touched { get; set; }

        public bool FailureRaised { get; set; }

        public bool LatencyRaised { get; set; }
    }
}
