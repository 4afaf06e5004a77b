using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using TaskExecKit.Configuration;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Telemetry;

public sealed class AlertTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 30, TimeSpan.Zero);
    private static readonly TelemetryEventKind[] AlertKinds = [TelemetryEventKind.AlertRaised, TelemetryEventKind.AlertCleared];

    private static TelemetryOptions Options(TempDirectory dir, FakeTimeProvider time, IMeterFactory? meters = null)
    {
        var options = new TelemetryOptions
        {
            RuntimeDirectory = Path.Combine(dir.Path, "runtime"),
            DiscoverStore = false,
            TimeProvider = time,
            MeterFactory = meters,
        };
        options.Alerts.Enabled = true;
        options.Alerts.FailureRate = 0.2;
        options.Alerts.P95Latency = TimeSpan.FromSeconds(1);
        options.Alerts.WindowSize = 10;
        options.Alerts.MinimumSamples = 5;
        return options;
    }

    /// <summary>Records one finished task of agent-a and flushes, so that each task is its own batch.</summary>
    private static async Task FinishAsync(TelemetrySystem telemetry, int i, TaskOutcome outcome, int milliseconds = 100)
    {
        telemetry.RecordTaskFinished($"T{i}", "agent-a", outcome, TimeSpan.FromMilliseconds(milliseconds));
        await telemetry.FlushAsync();
    }

    private static async Task<IReadOnlyList<TelemetryEvent>> AlertsAsync(TelemetrySystem telemetry, string? agentId = null)
    {
        var events = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, agentId, AlertKinds, limit: 1000));
        return [.. events.Reverse()]; // oldest first
    }

    [Fact]
    public async Task FailureRate_Crossing_RaisesExactlyOneAlertPerScope_AndStayingAboveRaisesNoMore()
    {
        using var dir = new TempDirectory();
        using var meters = new TestMeterFactory();
        long counted = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (meters.Owns(instrument.Meter) && instrument.Name == "taskexeckit.alerts")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();

        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(dir, time, meters));
        for (int i = 0; i < 10; i++)
        {
            await FinishAsync(telemetry, i, TaskOutcome.Succeeded);
        }

        Assert.Empty(await AlertsAsync(telemetry));

        // 2 failures of 10 is 0.2: at the threshold, not above it.
        await FinishAsync(telemetry, 10, TaskOutcome.Failed);
        await FinishAsync(telemetry, 11, TaskOutcome.Failed);
        Assert.Empty(await AlertsAsync(telemetry));

        // The third crosses (0.3); three more keep it above, in separate batches.
        for (int i = 12; i < 16; i++)
        {
            await FinishAsync(telemetry, i, TaskOutcome.Failed);
        }

        var alerts = await AlertsAsync(telemetry);
        Assert.Equal(2, alerts.Count);
        Assert.All(alerts, a =>
        {
            Assert.Equal(TelemetryEventKind.AlertRaised, a.Kind);
            Assert.Equal("failure_rate", a.Name);
            Assert.Equal(0.3, a.Value, 6);
            Assert.Equal("0.2", a.Detail);
            Assert.Equal(10, a.Count);
            Assert.Contains("above 0.2", a.Reason, StringComparison.Ordinal);
        });
        Assert.Contains(alerts, a => a.AgentId == "agent-a");
        Assert.Contains(alerts, a => a.AgentId is null);

        Assert.Single(await AlertsAsync(telemetry, "agent-a"));
        Assert.Equal(2, Interlocked.Read(ref counted));
        var counters = telemetry.Counters;
        Assert.Equal(counters.Produced, counters.Persisted);
    }

    [Fact]
    public async Task FailureRate_DroppingBackBelow_ClearsOnce_AndCrossingAgainRaisesAgain()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(dir, time));
        for (int i = 0; i < 7; i++)
        {
            await FinishAsync(telemetry, i, TaskOutcome.Succeeded);
        }

        for (int i = 7; i < 10; i++)
        {
            await FinishAsync(telemetry, i, TaskOutcome.Failed); // 3 of 10 on the last one
        }

        // Successes push the failures out of the 10-task window: 0.3 -> 0.2 after the 8th success in a row.
        for (int i = 10; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await FinishAsync(telemetry, i, TaskOutcome.Succeeded);
        }

        var agentAlerts = await AlertsAsync(telemetry, "agent-a");
        Assert.Equal([TelemetryEventKind.AlertRaised, TelemetryEventKind.AlertCleared], agentAlerts.Select(a => a.Kind));
        var cleared = agentAlerts[1];
        Assert.Equal("failure_rate", cleared.Name);
        Assert.Equal(0.2, cleared.Value, 6);
        Assert.Equal("0.2", cleared.Detail);
        Assert.Equal(Start.AddSeconds(8), cleared.Timestamp); // the 8th success in a row

        // A new crossing is a new alert.
        for (int i = 20; i < 23; i++)
        {
            await FinishAsync(telemetry, i, TaskOutcome.TimedOut);
        }

        agentAlerts = await AlertsAsync(telemetry, "agent-a");
        Assert.Equal(
            [TelemetryEventKind.AlertRaised, TelemetryEventKind.AlertCleared, TelemetryEventKind.AlertRaised],
            agentAlerts.Select(a => a.Kind));
    }

    [Fact]
    public async Task FailureRate_BelowMinimumSamples_RaisesNothing()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(dir, time));

        // One failure of one task, then four failures of four: 100 % but fewer than 5 samples.
        for (int i = 0; i < 4; i++)
        {
            await FinishAsync(telemetry, i, TaskOutcome.Failed);
            Assert.Empty(await AlertsAsync(telemetry));
        }

        // The fifth sample reaches the minimum: now it is evaluated.
        await FinishAsync(telemetry, 4, TaskOutcome.Failed);
        var alerts = await AlertsAsync(telemetry, "agent-a");
        Assert.Single(alerts);
        Assert.Equal(1.0, alerts[0].Value, 6);
        Assert.Equal(5, alerts[0].Count);
    }

    [Fact]
    public async Task P95Latency_AboveThreshold_RaisesOnce_ThenClears()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(dir, time));

        // All in one batch: 9 fast tasks and one of 5 s; the p95 of 10 (nearest rank: the 10th) is 5 s.
        for (int i = 0; i < 9; i++)
        {
            telemetry.RecordTaskFinished($"T{i}", "agent-a", TaskOutcome.Succeeded, TimeSpan.FromMilliseconds(100));
        }

        telemetry.RecordTaskFinished("T9", "agent-a", TaskOutcome.Succeeded, TimeSpan.FromSeconds(5));
        await telemetry.FlushAsync();
        await FinishAsync(telemetry, 10, TaskOutcome.Succeeded, 4000);

        var alerts = await AlertsAsync(telemetry, "agent-a");
        var raised = Assert.Single(alerts);
        Assert.Equal(TelemetryEventKind.AlertRaised, raised.Kind);
        Assert.Equal("p95_latency", raised.Name);
        Assert.Equal(5000, raised.Value, 6);
        Assert.Equal("1000", raised.Detail);

        // Ten fast tasks replace the slow ones.
        for (int i = 11; i < 21; i++)
        {
            await FinishAsync(telemetry, i, TaskOutcome.Succeeded);
        }

        alerts = await AlertsAsync(telemetry, "agent-a");
        Assert.Equal([TelemetryEventKind.AlertRaised, TelemetryEventKind.AlertCleared], alerts.Select(a => a.Kind));
        Assert.Equal(100, alerts[1].Value, 6);
        Assert.All(alerts, a => Assert.Equal("p95_latency", a.Name));
    }

    [Fact]
    public async Task Alerts_AreOffByDefault()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        var options = Options(dir, time);
        options.Alerts.Enabled = false;
        await using var telemetry = new TelemetrySystem(options);
        for (int i = 0; i < 20; i++)
        {
            telemetry.RecordTaskFinished($"T{i}", "agent-a", TaskOutcome.Failed, TimeSpan.FromMinutes(1));
        }

        Assert.Empty(await AlertsAsync(telemetry));
        Assert.False(new TelemetryOptions().Alerts.Enabled);
    }

    [Fact]
    public void UseThresholds_TakesTheConfiguredThresholds()
    {
        var config = EngineConfig.Default;
        var options = new TelemetryOptions();
        options.Alerts.UseThresholds(config.Telemetry.Alerts);
        Assert.True(options.Alerts.Enabled);
        Assert.Equal(0.2, options.Alerts.FailureRate);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Alerts.P95Latency);
    }

    [Theory]
    [InlineData(1.5, 10, 5)]
    [InlineData(-0.1, 10, 5)]
    [InlineData(0.2, 0, 1)]
    [InlineData(0.2, 10, 11)]
    [InlineData(0.2, 10, 0)]
    public void InvalidAlertOptions_AreRejectedByName(double rate, int window, int minimum)
    {
        using var dir = new TempDirectory();
        var options = Options(dir, new FakeTimeProvider(Start));
        options.Alerts.FailureRate = rate;
        options.Alerts.WindowSize = window;
        options.Alerts.MinimumSamples = minimum;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new TelemetrySystem(options));
        Assert.Contains("TelemetryOptions.Alerts.", ex.Message, StringComparison.Ordinal);
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            lock (_meters)
            {
                _meters.Add(meter);
            }

            return meter;
        }

        public bool Owns(Meter meter)
        {
            lock (_meters)
            {
                return _meters.Contains(meter);
            }
        }

        public void Dispose()
        {
            lock (_meters)
            {
                foreach (var meter in _meters)
                {
                    meter.Dispose();
                }
            }
        }
    }
}
