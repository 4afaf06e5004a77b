using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Telemetry;

public sealed class TimeRangeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("1 hour ago", 3600)]
    [InlineData("30 minutes ago", 1800)]
    [InlineData("2 days ago", 172800)]
    [InlineData("45s", 45)]
    [InlineData("15m", 900)]
    [InlineData("1h", 3600)]
    [InlineData("  10 MINUTES AGO ", 600)]
    public void TryParseSince_Phrases_AreRelativeToNow(string text, int seconds)
    {
        Assert.True(TimeRange.TryParseSince(text, out var range));
        Assert.Equal((Now.AddSeconds(-seconds), Now.AddTicks(1)), range.Resolve(Now));
    }

    [Fact]
    public void TryParseSince_IsoTime_StartsThereAndEndsNow()
    {
        Assert.True(TimeRange.TryParseSince("2026-11-25T10:30:00Z", out var range));
        var (from, to) = range.Resolve(Now);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 30, 0, TimeSpan.Zero), from);
        Assert.True(to > Now);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday-ish")]
    [InlineData("0 minutes ago")]
    [InlineData("5 fortnights ago")]
    [InlineData("-3 hours ago")]
    public void TryParseSince_Nonsense_IsRejected(string text)
    {
        Assert.False(TimeRange.TryParseSince(text, out _));
    }

    [Fact]
    public void Between_EndBeforeStart_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => TimeRange.Between(Now, Now.AddSeconds(-1)));
        Assert.Contains("before its start", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Last_NotPositive_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeRange.Last(TimeSpan.Zero));
    }

    [Property]
    public bool MinuteRollup_RoundTripsThroughBytes(PositiveInt[] durations, NonNegativeInt tokens, bool fail)
    {
        var rollup = new MinuteRollup(Now, "agent");
        foreach (var d in durations)
        {
            rollup.Add(new TelemetryEvent { Kind = TelemetryEventKind.TaskFinished, Value = d.Get, Outcome = fail ? TaskOutcome.Failed : TaskOutcome.Succeeded, Count = 1 + (d.Get % 3) });
        }

        rollup.Add(new TelemetryEvent { Kind = TelemetryEventKind.ModelCall, Count = tokens.Get, Value = 0.5 });
        var copy = MinuteRollup.FromBytes(rollup.Minute, rollup.AgentId, rollup.ToBytes());

        return copy.ToBytes().AsSpan().SequenceEqual(rollup.ToBytes())
            && new AgentMetrics("x", copy).LatencyP90 == new AgentMetrics("x", rollup).LatencyP90
            && copy.Attempts == rollup.Attempts && copy.Tokens == tokens.Get;
    }

    [Fact]
    public void MinuteRollup_DamagedBytes_ThrowsStoreException()
    {
        var ex = Assert.Throws<TelemetryStoreException>(() => MinuteRollup.FromBytes(Now, "a", [1, 2, 3]));
        Assert.Contains("damaged", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BucketOf_BoundsContainTheValue()
    {
        Prop.ForAll(Gen.Choose(1, 100_000_000).ToArbitrary(), micros =>
        {
            double ms = micros / 1000.0;
            int b = MinuteRollup.BucketOf(ms);
            return b == MinuteRollup.BucketCount - 1 || (MinuteRollup.UpperBoundMilliseconds(b) >= ms - 1e-9 && (b == 0 || MinuteRollup.UpperBoundMilliseconds(b - 1) < ms));
        }).QuickCheckThrowOnFailure();
    }
}
