using System.Globalization;

namespace TaskExecKit;

/// <summary>
/// Reads and writes durations written as <c>&lt;integer&gt;&lt;unit&gt;</c> with unit <c>ms</c>,
/// <c>s</c>, <c>m</c> or <c>h</c>: <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>. The one
/// implementation behind configuration (which allows zero for some keys) and plans (whose
/// readers add "must be positive" where they call it).
/// </summary>
internal static class Duration
{
    /// <summary>The accepted form, for configuration's error messages.</summary>
    public const string Expected = "an integer followed by ms, s, m or h, like \"250ms\", \"30s\", \"5m\" or \"1h\"";

    /// <summary>
    /// Reads exactly <c>&lt;digits&gt;&lt;unit&gt;</c> (no sign, no spaces; the caller trims), zero
    /// included; false for anything else or a duration too long for a <see cref="TimeSpan"/>.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The duration, when the text is one.</param>
    /// <returns>True when the text is a duration.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out TimeSpan value)
    {
        value = default;
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits]))
        {
            digits++;
        }

        if (digits == 0 || digits > 18)
        {
            return false;
        }

        long ticksPerUnit = text[digits..] switch
        {
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            "m" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            _ => 0,
        };

        if (ticksPerUnit == 0 || !long.TryParse(text[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        if (amount > TimeSpan.MaxValue.Ticks / ticksPerUnit)
        {
            return false;
        }

        value = TimeSpan.FromTicks(amount * ticksPerUnit);
        return true;
    }

    /// <summary>Writes a duration in the largest unit that represents it exactly.</summary>
    public static string Format(TimeSpan value)
    {
        var ticks = value.Ticks;
        if (ticks < 0 || ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "Only whole, non-negative milliseconds can be written as a duration.");
        }

        return ticks switch
        {
            _ when ticks != 0 && ticks % TimeSpan.TicksPerHour == 0 => string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerHour}h"),
            _ when ticks != 0 && ticks % TimeSpan.TicksPerMinute == 0 => string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerMinute}m"),
            _ when ticks % TimeSpan.TicksPerSecond == 0 => string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerSecond}s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{ticks / TimeSpan.TicksPerMillisecond}ms"),
        };
    }
}
