using System.Globalization;
using System.Text.RegularExpressions;

namespace TaskExecKit.Telemetry;

/// <summary>
/// A span of time to read telemetry for: relative to now (<see cref="LastHour"/>,
/// <see cref="Last(TimeSpan)"/>, <see cref="Since(DateTimeOffset)"/>) or fixed
/// (<see cref="Between(DateTimeOffset, DateTimeOffset)"/>). Relative ranges are resolved
/// against the telemetry system's <see cref="TimeProvider"/> when a query runs.
/// </summary>
public sealed partial class TimeRange
{
    private readonly TimeSpan? _last;
    private readonly DateTimeOffset _from;
    private readonly DateTimeOffset? _to;

    private TimeRange(TimeSpan? last, DateTimeOffset from, DateTimeOffset? to)
    {
        _last = last;
        _from = from;
        _to = to;
    }

    /// <summary>Gets the last hour, up to now.</summary>
    public static TimeRange LastHour { get; } = new(TimeSpan.FromHours(1), default, null);

    /// <summary>Gets the range from now minus <paramref name="duration"/> up to now.</summary>
    /// <param name="duration">How far back to go; must be positive.</param>
    /// <returns>The relative range.</returns>
    public static TimeRange Last(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "The duration of a time range must be positive.");
        }

        return new TimeRange(duration, default, null);
    }

    /// <summary>Gets the range from <paramref name="from"/> up to now.</summary>
    /// <param name="from">The start, inclusive.</param>
    /// <returns>The range.</returns>
    public static TimeRange Since(DateTimeOffset from) => new(null, from, null);

    /// <summary>Gets the fixed range from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive).</summary>
    /// <param name="from">The start, inclusive.</param>
    /// <param name="to">The end, exclusive; must not be before <paramref name="from"/>.</param>
    /// <returns>The fixed range.</returns>
    public static TimeRange Between(DateTimeOffset from, DateTimeOffset to)
    {
        if (to < from)
        {
            throw new ArgumentException($"The end of a time range ({to:O}) is before its start ({from:O}).", nameof(to));
        }

        return new TimeRange(null, from, to);
    }

    /// <summary>
    /// Reads what a person types after <c>--since</c>: <c>1 hour ago</c>, <c>30 minutes ago</c>,
    /// <c>2 days ago</c>, <c>45s</c>, <c>15m</c>, <c>1h</c>, or an ISO 8601 time such as
    /// <c>2026-11-25T18:00:00Z</c> (a time without an offset is UTC).
    /// </summary>
    /// <param name="text">The text to read.</param>
    /// <param name="range">The range from that point up to now.</param>
    /// <returns>True when the text was understood.</returns>
    public static bool TryParseSince(string? text, out TimeRange range)
    {
        range = LastHour;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var match = AgoPattern().Match(text.Trim());
        if (match.Success)
        {
            if (!long.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n <= 0)
            {
                return false;
            }

            string unit = match.Groups["unit"].Value.ToUpperInvariant();
            double seconds = unit switch
            {
                "S" or "SEC" or "SECS" or "SECOND" or "SECONDS" => 1,
                "M" or "MIN" or "MINS" or "MINUTE" or "MINUTES" => 60,
                "H" or "HOUR" or "HOURS" => 3600,
                "D" or "DAY" or "DAYS" => 86400,
                "W" or "WEEK" or "WEEKS" => 7 * 86400,
                _ => 0,
            };
            if (seconds == 0 || n * seconds > TimeSpan.MaxValue.TotalSeconds / 2)
            {
                return false;
            }

            range = Last(TimeSpan.FromSeconds(n * seconds));
            return true;
        }

        if (DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var at))
        {
            range = Since(at);
            return true;
        }

        return false;
    }

    /// <summary>Gets the start and end of the range as of <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <returns>The start (inclusive) and end (exclusive).</returns>
    public (DateTimeOffset From, DateTimeOffset To) Resolve(DateTimeOffset now)
    {
        // "Up to now" includes events stamped exactly now.
        if (_last is { } last)
        {
            return (now - last, now.AddTicks(1));
        }

        return (_from, _to ?? now.AddTicks(1));
    }

    /// <inheritdoc />
    public override string ToString() => _last is { } last
        ? string.Create(CultureInfo.InvariantCulture, $"last {last}")
        : _to is { } to
            ? string.Create(CultureInfo.InvariantCulture, $"{_from:O} to {to:O}")
            : string.Create(CultureInfo.InvariantCulture, $"since {_from:O}");

    [GeneratedRegex(@"^(?<n>\d{1,9})\s*(?<unit>[a-zA-Z]+)(\s+ago)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AgoPattern();
}
