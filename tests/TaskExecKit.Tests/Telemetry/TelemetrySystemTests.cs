using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Telemetry;

public sealed class TelemetrySystemTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 30, TimeSpan.Zero);

    private static TelemetryOptions Options(TempDirectory dir, FakeTimeProvider? time = null, ITelemetryStoreFactory? store = null)
    {
        var options = new TelemetryOptions
        {
            RuntimeDirectory = Path.Combine(dir.Path, "runtime"),
            DiscoverStore = false,
            Store = store,
            TimeProvider = time ?? new FakeTimeProvider(Start),
        };
        return options;
    }

    [Fact]
    public async Task GetMetricsAsync_TasksOfTwoAgents_ReportsSuccessRateRetriesPercentilesAndTokensPerAgentAndOverall()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(dir, time));
        await telemetry.TrackAgentPerformanceAsync("agent-a");
        await telemetry.TrackAgentPerformanceAsync("idle-agent");

        for (int i = 1; i <= 100; i++)
        {
            telemetry.RecordTaskStarted($"T{i}", "agent-a");
            telemetry.RecordTaskFinished($"T{i}", "agent-a", i <= 90 ? TaskOutcome.Succeeded : TaskOutcome.Failed, TimeSpan.FromMilliseconds(i * 10), attempts: i % 10 == 0 ? 3 : 1);
        }

        time.Advance(TimeSpan.FromMinutes(2));
        telemetry.RecordTaskFinished("B1", "agent-b", TaskOutcome.Succeeded, TimeSpan.FromSeconds(2));
        telemetry.RecordModelCall("agent-b", "model-x", tokens: 1500, cost: 0.25);

        MetricsSnapshot metrics = await telemetry.GetMetricsAsync(TimeRange.LastHour);

        var a = metrics.Agents["agent-a"];
        Assert.Equal(100, a.TasksStarted);
        Assert.Equal(100, a.TasksFinished);
        Assert.Equal(0.9, a.SuccessRate!.Value, 6);
        Assert.Equal(120, a.Attempts);
        Assert.Equal(20, a.Retries);
        // Histogram resolution is 2^(1/4): the true p50 is 500 ms, p99 is 990 ms.
        Assert.InRange(a.LatencyP50!.Value.TotalMilliseconds, 500, 500 * 1.19);
        Assert.InRange(a.LatencyP99!.Value.TotalMilliseconds, 990, 990 * 1.19);
        Assert.Equal(505, a.MeanLatency!.Value.TotalMilliseconds, 6);

        Assert.Equal(1500, metrics.Agents["agent-b"].Tokens);
        Assert.Equal(0.25, metrics.Agents["agent-b"].Cost, 6);
        Assert.Equal(0, metrics.Agents["idle-agent"].TasksFinished);
        Assert.Null(metrics.Agents["idle-agent"].SuccessRate);

        Assert.Equal(101, metrics.Overall.TasksFinished);
        Assert.Equal(2, metrics.PerMinute.Count);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), metrics.PerMinute[0].Minute);
        Assert.Equal(100, metrics.PerMinute[0].Metrics.TasksFinished);
        Assert.Equal(0, metrics.Pipeline.Pending);
        Assert.StartsWith("in-memory", metrics.Store, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetricsAsync_WithAgent_ScopesEveryFigureToThatAgent()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TelemetrySystem(Options(dir));
        telemetry.RecordTaskFinished("A", "agent-a", TaskOutcome.Succeeded, TimeSpan.FromSeconds(1));
        telemetry.RecordTaskFinished("B", "agent-b", TaskOutcome.Failed, TimeSpan.FromSeconds(1));

        var metrics = await telemetry.GetMetricsAsync(TimeRange.LastHour, "agent-b");

        Assert.Equal(1, metrics.Overall.TasksFinished);
        Assert.Equal(0.0, metrics.Overall.SuccessRate);
        Assert.Equal(["agent-b"], metrics.Agents.Keys);
    }

    [Fact]
    public async Task GetMetricsAsync_EventsOutsideTheRange_AreNotCounted()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(dir, time));
        telemetry.RecordTaskFinished("old", "a", TaskOutcome.Succeeded, TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromHours(3));
        telemetry.RecordTaskFinished("new", "a", TaskOutcome.Succeeded, TimeSpan.FromSeconds(1));

        var lastHour = await telemetry.GetMetricsAsync(TimeRange.LastHour);
        var between = await telemetry.GetMetricsAsync(TimeRange.Between(Start.AddMinutes(-1), Start.AddHours(1)));

        Assert.Equal(1, lastHour.Overall.TasksFinished);
        Assert.Equal(1, between.Overall.TasksFinished);
        Assert.Equal(2, (await telemetry.GetMetricsAsync(TimeRange.Last(TimeSpan.FromDays(1)))).Overall.TasksFinished);
    }

    [Fact]
    public async Task Record_QueueFull_DropsAndCountsSoProducedEqualsPersistedPlusDropped()
    {
        using var dir = new TempDirectory();
        var store = new GatedStore();
        var options = Options(dir, store: store);
        options.QueueCapacity = 64;
        options.BatchSize = 16;
        await using var telemetry = new TelemetrySystem(options);

        await store.Gate.WaitAsync(); // Take the gate: the writer blocks on its first batch.

        int accepted = 0;
        for (int i = 0; i < 1000; i++)
        {
            if (telemetry.RecordTaskStarted($"T{i}"))
            {
                accepted++;
            }
        }

        Assert.True(accepted < 1000, "a full queue must drop");
        Assert.True(telemetry.Counters.DroppedQueueFull >= 1000 - accepted);
        store.Gate.Release();
        await telemetry.FlushAsync();

        var c = telemetry.Counters;
        Assert.Equal(1000, c.Produced);
        Assert.Equal(c.Produced, c.Persisted + c.Dropped);
        Assert.Equal(0, c.Pending);
        Assert.Equal(accepted, c.Persisted);
        var events = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, limit: 100_000));
        Assert.Equal(accepted, events.Count);
    }

    [Fact]
    public async Task Record_StoreFails_CountsTheBatchAsDroppedAndKeepsWriting()
    {
        using var dir = new TempDirectory();
        var store = new GatedStore { Fail = true };
        await using var telemetry = new TelemetrySystem(Options(dir, store: store));

        telemetry.RecordTaskStarted("T1");
        await telemetry.FlushAsync();
        store.Fail = false;
        telemetry.RecordTaskStarted("T2");
        await telemetry.FlushAsync();

        Assert.Equal(new TelemetryCounters(Produced: 2, Persisted: 1, DroppedQueueFull: 0, DroppedStoreFailed: 1), telemetry.Counters);
    }

    [Fact]
    public async Task Record_AfterDispose_ReturnsFalseAndCountsTheDrop()
    {
        using var dir = new TempDirectory();
        var telemetry = new TelemetrySystem(Options(dir));
        telemetry.RecordTaskStarted("T1");
        await telemetry.DisposeAsync();

        Assert.False(telemetry.RecordTaskStarted("T2"));
        Assert.Equal(new TelemetryCounters(2, 1, 1, 0), telemetry.Counters);
        await telemetry.DisposeAsync();
    }

    [Fact]
    public async Task Record_ConcurrentProducers_AccountingIsExact()
    {
        using var dir = new TempDirectory();
        var options = Options(dir);
        options.QueueCapacity = 256;
        await using var telemetry = new TelemetrySystem(options);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                telemetry.RecordTaskFinished("T", "a", TaskOutcome.Succeeded, TimeSpan.FromMilliseconds(1));
            }
        })));
        await telemetry.FlushAsync();

        var c = telemetry.Counters;
        Assert.Equal(80_000, c.Produced);
        Assert.Equal(c.Produced, c.Persisted + c.Dropped);
        var metrics = await telemetry.GetMetricsAsync(TimeRange.LastHour);
        Assert.Equal(c.Persisted, metrics.Overall.TasksFinished);
    }

    [Fact]
    public async Task Record_HotPath_AllocatesNothing()
    {
        using var dir = new TempDirectory();
        var options = Options(dir);
        options.QueueCapacity = 1 << 20;
        options.PersistInstrumentMeasurements = false;
        await using var telemetry = new TelemetrySystem(options);
        // Warm up: the queue's buffer grows to its working size once, then is reused.
        for (int i = 0; i < 50_000; i++)
        {
            telemetry.RecordTaskFinished("T", "agent", TaskOutcome.Succeeded, TimeSpan.FromMilliseconds(3));
        }

        await telemetry.FlushAsync();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            telemetry.RecordTaskFinished("T", "agent", TaskOutcome.Succeeded, TimeSpan.FromMilliseconds(3));
            telemetry.RecordEffect("process:git", "git status", allowed: false, reason: "not granted");
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task Instruments_AreVisibleToMeterListeners()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TelemetrySystem(Options(dir));
        var seen = new List<(string, double)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == "TaskExecKit")
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => { lock (seen) { seen.Add((i.Name, v)); } });
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => { lock (seen) { seen.Add((i.Name, v)); } });
        listener.SetMeasurementEventCallback<int>((i, v, _, _) => { lock (seen) { seen.Add((i.Name, v)); } });
        listener.Start();

        telemetry.RecordTaskFinished("T", "a", TaskOutcome.Succeeded, TimeSpan.FromSeconds(2), attempts: 2);
        telemetry.RecordQueueDepth(7);
        listener.RecordObservableInstruments();

        lock (seen)
        {
            Assert.Contains(("taskexeckit.task.finished", 1.0), seen);
            Assert.Contains(("taskexeckit.task.duration", 2.0), seen);
            Assert.Contains(("taskexeckit.task.retries", 1.0), seen);
            Assert.Contains(seen, s => s.Item1 == "taskexeckit.queue.depth" && s.Item2 == 7);
            Assert.Contains(seen, s => s.Item1 == "taskexeckit.telemetry.events.produced");
        }
    }

    [Fact]
    public async Task Listener_PersistsMeasurementsOfOtherTaskExecKitInstruments()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TelemetrySystem(Options(dir));
        using var meter = new Meter("TaskExecKit");
        var counter = meter.CreateCounter<long>("taskexeckit.test.widgets");

        counter.Add(5);

        var events = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, kinds: [TelemetryEventKind.Metric]));
        var metric = Assert.Single(events, e => e.Name == "taskexeckit.test.widgets");
        Assert.Equal(5, metric.Value);
    }

    [Fact]
    public async Task Audit_EffectsDecisionsAndConfigurationChangesAreAuditedInOrder()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TelemetrySystem(Options(dir));
        telemetry.RecordTaskStarted("T1", "a");
        telemetry.RecordEffect("process:git", "git push", allowed: false, reason: "not granted", agentId: "a", taskId: "T1");
        telemetry.RecordDecision("retry", "transient failure", "attempt=1", "a", "T1");
        telemetry.RecordConfigurationChange("executor.max_workers", "8", "config/core.toml");

        var audit = await telemetry.GetAuditEntriesAsync(TimeRange.LastHour);

        Assert.Equal([1L, 2L, 3L], audit.Select(e => e.Sequence));
        Assert.Equal([TelemetryEventKind.EffectDenied, TelemetryEventKind.Decision, TelemetryEventKind.ConfigurationChanged], audit.Select(e => e.Event.Kind));
        Assert.Equal("attempt=1", audit[1].Event.Detail);
        Assert.Equal("transient failure", audit[1].Event.Reason);
    }

    [Fact]
    public async Task GetEventsAsync_FiltersByAgentAndKindNewestFirst()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(dir, time));
        for (int i = 0; i < 5; i++)
        {
            telemetry.RecordTaskStarted($"T{i}", i % 2 == 0 ? "even" : "odd");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var events = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, agentId: "even", kinds: [TelemetryEventKind.TaskStarted], limit: 2));

        Assert.Equal(["T4", "T2"], events.Select(e => e.TaskId));
    }

    [Fact]
    public async Task Constructor_CreatesTheRuntimeLayoutAndSaysWhichStoreItUses()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TelemetrySystem(Options(dir));

        foreach (string folder in new[] { "database", "logs/autonomous", "logs/agents", "logs/system", "state", "cache" })
        {
            Assert.True(Directory.Exists(Path.Combine(dir.Path, "runtime", folder)), folder);
        }

        Assert.Contains("in-memory", telemetry.StoreDescription, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(TelemetryOptions.QueueCapacity), 0)]
    [InlineData(nameof(TelemetryOptions.BatchSize), 0)]
    [InlineData(nameof(TelemetryOptions.InMemoryCapacity), 1)]
    public void Constructor_BadOption_ThrowsNamingTheOption(string option, int value)
    {
        using var dir = new TempDirectory();
        var options = Options(dir);
        typeof(TelemetryOptions).GetProperty(option)!.SetValue(options, value);

        var ex = Assert.ThrowsAny<ArgumentException>(() => new TelemetrySystem(options));
        Assert.Contains(option, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_BadRedactionPattern_ThrowsNamingThePattern()
    {
        using var dir = new TempDirectory();
        var options = Options(dir);
        options.Redaction.Patterns.Add("([unclosed");

        var ex = Assert.Throws<ArgumentException>(() => new TelemetrySystem(options));
        Assert.Contains("([unclosed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonLogs_AreWrittenPerFolderAsJsonLines()
    {
        using var dir = new TempDirectory();
        await using (var telemetry = new TelemetrySystem(Options(dir)))
        {
            telemetry.RecordTaskStarted("T1", "agent-a");
            telemetry.RecordDecision("stop", "budget", null);
            telemetry.RecordConfigurationChange("x", "1");
        }

        string logs = Path.Combine(dir.Path, "runtime", "logs");
        string agents = File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(logs, "agents"))));
        string autonomous = File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(logs, "autonomous"))));
        string system = File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(logs, "system"))));
        using var doc = System.Text.Json.JsonDocument.Parse(agents.Split('\n')[0]);
        Assert.Equal("T1", doc.RootElement.GetProperty("task").GetString());
        Assert.Contains("\"stop\"", autonomous, StringComparison.Ordinal);
        Assert.Contains("ConfigurationChanged", system, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redaction_PatternTimesOut_StripsAllTextInsteadOfLettingItThrough()
    {
        using var dir = new TempDirectory();
        var options = Options(dir);
        options.Redaction.Patterns.Add("(a|aa)+$");
        await using var telemetry = new TelemetrySystem(options);

        telemetry.RecordDecision("decide", "because", new string('a', 60) + "!");
        var events = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour));

        var e = Assert.Single(events);
        Assert.Equal(Redactor.Mask, e.Detail);
        Assert.Equal(Redactor.Mask, e.Name);
        Assert.Equal(new TelemetryCounters(1, 1, 0, 0), telemetry.Counters);
    }

    [Fact]
    public async Task RecordModelCall_AgentCall_RecordsProviderTokensAndLatencyButNoText()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TelemetrySystem(Options(dir));
        var seen = new List<(string Name, double Value, string? Type)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == "TaskExecKit" && i.Name.StartsWith("gen_ai.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(i);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            string? type = null;
            bool ours = false;
            foreach (var tag in tags)
            {
                type = tag.Key == "gen_ai.token.type" ? tag.Value as string : type;
                ours |= tag.Key == "gen_ai.provider.name" && Equals(tag.Value, "offline-test");
            }

            if (ours)
            {
                lock (seen) { seen.Add((i.Name, v, type)); }
            }
        });
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "gen_ai.provider.name" && Equals(tag.Value, "offline-test"))
                {
                    lock (seen) { seen.Add((i.Name, v, null)); }
                }
            }
        });
        listener.Start();

        Assert.True(telemetry.RecordModelCall(new ModelCallRecord("agent-m", "offline-test", "model-y", 120, 30, TimeSpan.FromMilliseconds(250))));
        await telemetry.FlushAsync();

        var e = Assert.Single(await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, "agent-m")));
        Assert.Equal(TelemetryEventKind.ModelCall, e.Kind);
        Assert.Equal("model-y", e.Name);
        Assert.Equal("offline-test", e.Reason);
        Assert.Equal(150, e.Count);
        Assert.Null(e.Detail);
        lock (seen)
        {
            Assert.Contains(("gen_ai.client.token.usage", 120.0, "input"), seen);
            Assert.Contains(("gen_ai.client.token.usage", 30.0, "output"), seen);
            Assert.Contains(("gen_ai.client.operation.duration", 0.25, null), seen);
        }
    }
}
