using System.Globalization;

namespace TaskExecKit.Planning;

/// <summary>Reads and writes the plan's durations: a whole number and a unit, <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>.</summary>
internal static class Duration
{
    internal const string Expected = "a whole number followed by ms, s, m or h (e.g. 250ms, 30s, 5m, 1h)";

    internal static bool TryParse(ReadOnlySpan<char> text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        int digits = 0;
        while (digits < text.Length && text[digits] is >= '0' and <= '9')
        {
            digits++;
        }

        if (digits == 0 || digits > 9 || !long.TryParse(text[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n <= 0)
        {
            return false;
        }

        ReadOnlySpan<char> unit = text[digits..];
        long ms = unit switch
        {
            "ms" => n,
            "s" => n * 1000,
            "m" => n * 60_000,
            "h" => n * 3_600_000,
            _ => -1,
        };

        // 999999999h does not fit in a TimeSpan: not a duration rather than an OverflowException.
        if (ms <= 0 || ms > TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMillisecond)
        {
            return false;
        }

        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    /// <summary>Writes the largest exact unit: 90s stays 90s, 120s becomes 2m.</summary>
    internal static string Format(TimeSpan value)
    {
        long ms = (long)value.TotalMilliseconds;
        return ms switch
        {
            > 0 when ms % 3_600_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000}h"),
            > 0 when ms % 60_000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{ms / 60_000}m"),
            > 0 when ms % 1000 == 0 => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000}s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{ms}ms"),
        };
    }
}
