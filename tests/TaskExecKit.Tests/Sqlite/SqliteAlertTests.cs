using Microsoft.Extensions.Time.Testing;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Sqlite;

public sealed class SqliteAlertTests
{
    [Fact]
    public async Task AlertEvents_AreStoredInSqlite_AndReadBackByKindAfterReopening()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        var time = new FakeTimeProvider(SqliteTestSupport.Start);

        var options = SqliteTestSupport.Options(runtime, time);
        options.Alerts.Enabled = true;
        options.Alerts.WindowSize = 10;
        options.Alerts.MinimumSamples = 5;
        await using (var telemetry = new TelemetrySystem(options))
        {
            for (int i = 0; i < 5; i++)
            {
                telemetry.RecordTaskFinished($"T{i}", "agent-a", TaskOutcome.Failed, TimeSpan.FromMilliseconds(50));
            }
        }

        await using var reopened = new TelemetrySystem(SqliteTestSupport.Options(runtime, time));
        var alerts = await reopened.GetEventsAsync(new EventQuery(TimeRange.LastHour, "agent-a", [TelemetryEventKind.AlertRaised]));
        var alert = Assert.Single(alerts);
        Assert.Equal("failure_rate", alert.Name);
        Assert.Equal(1.0, alert.Value, 6);
        Assert.Equal("0.2", alert.Detail);
        Assert.Equal(5, alert.Count);

        var metrics = await reopened.GetMetricsAsync(TimeRange.LastHour);
        Assert.Equal(2, metrics.Overall.CountOf(TelemetryEventKind.AlertRaised)); // agent-a and all agents
    }
}
