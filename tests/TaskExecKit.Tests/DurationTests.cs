using FsCheck;
using FsCheck.Xunit;

namespace TaskExecKit.Tests;

public sealed class DurationTests
{
    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("0s", 0)]
    public void TryParse_IntegerWithUnit_ReturnsTheDuration(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("10")]
    [InlineData("1.5s")]
    [InlineData("-1s")]
    [InlineData("1 s")]
    [InlineData("1S")]
    [InlineData("1d")]
    [InlineData("10us")]
    [InlineData("999999999999999999h")]
    [InlineData("1s ")]
    public void TryParse_Malformed_ReturnsFalse(string text)
    {
        Assert.False(Duration.TryParse(text, out _));
    }

    [Property]
    public bool TryParse_FormattedDuration_RoundTrips(NonNegativeInt amount, byte unitIndex)
    {
        var units = new[] { TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1) };
        var duration = units[unitIndex % units.Length] * amount.Get;

        return Duration.TryParse(Duration.Format(duration), out var parsed) && parsed == duration;
    }

    [Property]
    public bool TryParse_AnyString_NeverThrows(string? text)
    {
        var parsed = Duration.TryParse(text ?? "", out var value);
        return parsed || value == TimeSpan.Zero;
    }
}
