using Microsoft.Extensions.Time.Testing;
using TaskExecKit.Telemetry;
using static TaskExecKit.Tests.Sqlite.SqliteTestSupport;

namespace TaskExecKit.Tests.Telemetry;

public sealed class TrendTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task GetTrendsAsync_MovingAverages_WeighEachTaskOnce_AndForgetMinutesOutsideTheWindow(bool sqlite)
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(Path.Combine(dir.Path, "runtime"), time, sqlite));

        // Minute 0: four 10 ms successes. Minute 1: 40 ms and 80 ms, one failed. Minute 5: one 100 ms failure.
        Finish(telemetry, "a", 10, 10, 10, 10);
        time.Advance(TimeSpan.FromMinutes(1));
        Finish(telemetry, "a", 40);
        telemetry.RecordTaskFinished("T-fail", "b", TaskOutcome.Failed, TimeSpan.FromMilliseconds(80));
        time.Advance(TimeSpan.FromMinutes(4));
        telemetry.RecordTaskFinished("T-late", "a", TaskOutcome.Failed, TimeSpan.FromMilliseconds(100));
        time.Advance(TimeSpan.FromSeconds(10));

        var trend = await telemetry.GetTrendsAsync(TimeRange.LastHour, window: TimeSpan.FromMinutes(3));
        Assert.Equal(3, trend.Count);
        Assert.Equal((4L, 4L, 10.0, 0.0), Of(trend[0]));
        Assert.Equal((2L, 6L, Math.Round(160 / 6.0, 3), Math.Round(1 / 6.0, 3)), Of(trend[1])); // (4×10 + 40 + 80) / 6
        Assert.Equal((1L, 1L, 100.0, 1.0), Of(trend[2]));     // minutes 0 and 1 are out of a 3-minute window

        // One agent; and a range that starts after minute 0 still counts it in minute 1's window.
        var agentA = await telemetry.GetTrendsAsync(TimeRange.Between(Start + TimeSpan.FromMinutes(1), time.GetUtcNow()), "a", TimeSpan.FromMinutes(3));
        Assert.Equal(2, agentA.Count);
        Assert.Equal((1L, 5L, 16.0, 0.0), Of(agentA[0]));
        Assert.Equal((1L, 1L, 100.0, 1.0), Of(agentA[1]));

        // A window wider than the data averages everything.
        var wide = await telemetry.GetTrendsAsync(TimeRange.LastHour);
        Assert.Equal((1L, 7L, Math.Round(260 / 7.0, 3), Math.Round(2 / 7.0, 3)), Of(wide[^1]));
    }

    [Fact]
    public void Compute_RejectsAWindowUnderAMinute_AndUnorderedInput()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MetricsTrends.Compute([], TimeSpan.FromSeconds(30)));
        Assert.Empty(MetricsTrends.Compute([], TimeSpan.FromMinutes(1)));
    }

    private static void Finish(TelemetrySystem telemetry, string agent, params int[] milliseconds)
    {
        foreach (int ms in milliseconds)
        {
            telemetry.RecordTaskFinished("T" + ms, agent, TaskOutcome.Succeeded, TimeSpan.FromMilliseconds(ms));
        }
    }

    private static (long, long, double, double) Of(TrendPoint p) =>
        (p.TasksFinished, p.TasksFinishedInWindow, Math.Round(p.MovingMeanLatency!.Value.TotalMilliseconds, 3), Math.Round(p.MovingFailureRate!.Value, 3));
}
