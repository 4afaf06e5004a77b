using System.Text.Json;
using TaskExecKit.Effects;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Telemetry;

public sealed class AlertWebhookTests
{
    [Fact]
    public async Task RaisedAlert_WithTheHostGranted_IsPostedAsJsonAndAudited()
    {
        using var dir = new TempDirectory();
        using var hook = new FakeHook();
        var options = Options(dir, hook.Url);
        options.Alerts.WebhookPolicy = EffectPolicy.Create([Capability.Network("127.0.0.1", hook.Port)]);
        await using (var telemetry = new TelemetrySystem(options))
        {
            FailFive(telemetry);
            await telemetry.DisposeAsync();

            // The alert of agent-a and the all-agents one.
            Assert.Equal(2, hook.Bodies.Count);
            using var body = JsonDocument.Parse(hook.Bodies.First(b => b.Contains("agent-a", StringComparison.Ordinal)));
            Assert.Equal("alert_raised", body.RootElement.GetProperty("kind").GetString());
            Assert.Equal("failure_rate", body.RootElement.GetProperty("alert").GetString());
            Assert.Equal(1.0, body.RootElement.GetProperty("value").GetDouble(), 6);
        }

        await using var reopened = new TelemetrySystem(Options(dir, null));
        var audit = await reopened.GetAuditEntriesAsync(TimeRange.LastHour);
        Assert.Equal(2, audit.Count(a => a.Event.Kind == TelemetryEventKind.EffectPerformed && a.Event.Name == $"net:127.0.0.1:{hook.Port}"));
    }

    [Fact]
    public async Task RaisedAlert_WithoutTheHostGranted_IsNotSentButDeniedAndAudited()
    {
        using var dir = new TempDirectory();
        using var hook = new FakeHook();
        var options = Options(dir, hook.Url);
        options.Alerts.WebhookPolicy = EffectPolicy.Create([Capability.Network("example.org", 443)]);
        await using (var telemetry = new TelemetrySystem(options))
        {
            FailFive(telemetry);
        }

        Assert.Empty(hook.Bodies);
        await using var reopened = new TelemetrySystem(Options(dir, null));
        var denied = (await reopened.GetAuditEntriesAsync(TimeRange.LastHour)).Where(a => a.Event.Kind == TelemetryEventKind.EffectDenied).ToList();
        Assert.Equal(2, denied.Count);
        Assert.All(denied, d => Assert.Contains("not granted", d.Event.Reason, StringComparison.Ordinal));
        var alerts = await reopened.GetEventsAsync(new EventQuery(TimeRange.LastHour, kinds: [TelemetryEventKind.AlertRaised]));
        Assert.Equal(2, alerts.Count); // the alert itself is still an event (and so on the dashboard)
    }

    [Fact]
    public void Webhook_NotHttp_ThrowsNamingTheOption()
    {
        using var dir = new TempDirectory();
        var options = Options(dir, new Uri("ftp://127.0.0.1/x"));
        var ex = Assert.Throws<ArgumentException>(() => new TelemetrySystem(options));
        Assert.Contains("Alerts.Webhook", ex.Message, StringComparison.Ordinal);
    }

    private static TelemetryOptions Options(TempDirectory dir, Uri? webhook)
    {
        var options = new TelemetryOptions
        {
            RuntimeDirectory = Path.Combine(dir.Path, "runtime"),
            Store = new TaskExecKit.Sqlite.SqliteTelemetryStoreFactory(),
            PersistInstrumentMeasurements = false,
        };
        options.Alerts.Enabled = true;
        options.Alerts.WindowSize = 10;
        options.Alerts.MinimumSamples = 5;
        options.Alerts.Webhook = webhook;
        return options;
    }

    private static void FailFive(TelemetrySystem telemetry)
    {
        for (int i = 0; i < 5; i++)
        {
            telemetry.RecordTaskFinished($"T{i}", "agent-a", TaskOutcome.Failed, TimeSpan.FromMilliseconds(5));
        }
    }

    /// <summary>An HTTP endpoint on 127.0.0.1 that keeps every body posted to it.</summary>
    private sealed class FakeHook : IDisposable
    {
        private readonly LoopbackServer _server = new((_, _) => Task.FromResult((200, string.Empty, (string?)null)));

        public int Port => _server.Port;

        public Uri Url => new(_server.Url("/hook/"));

        public IReadOnlyList<string> Bodies => [.. _server.Received.Select(r => r.Body)];

        public void Dispose() => _server.Dispose();
    }
}
