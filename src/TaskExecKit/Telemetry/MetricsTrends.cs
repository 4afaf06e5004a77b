namespace TaskExecKit.Telemetry;

/// <summary>
/// One minute of a trend: how many tasks finished in that minute, and the moving average of the task
/// latency and the failure rate over the window that ends with it (every task finished in the window
/// counts once, so a busy minute weighs more than a quiet one).
/// </summary>
/// <param name="Minute">The start of the minute, in UTC.</param>
/// <param name="TasksFinished">Tasks finished in this minute.</param>
/// <param name="TasksFinishedInWindow">Tasks finished in the window ending with this minute.</param>
/// <param name="MovingMeanLatency">The mean task latency over the window, or null when no task finished in it.</param>
/// <param name="MovingFailureRate">The share of the window's finished tasks that failed (0 to 1), or null when none finished.</param>
public sealed record TrendPoint(DateTimeOffset Minute, long TasksFinished, long TasksFinishedInWindow, TimeSpan? MovingMeanLatency, double? MovingFailureRate);

/// <summary>Trends over per-minute metrics: moving averages of latency and failure rate, for people watching a system.</summary>
public static class MetricsTrends
{
    /// <summary>The window <see cref="TelemetrySystem.GetTrendsAsync"/> uses unless told otherwise: 15 minutes.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Computes a trend point for each minute of <paramref name="perMinute"/>: the moving averages over the minutes
    /// that start less than <paramref name="window"/> before it (minutes without events count as nothing happened).
    /// </summary>
    /// <param name="perMinute">Per-minute metrics, oldest first (as <see cref="TelemetrySystem.GetMetricsPerMinuteAsync"/> returns them).</param>
    /// <param name="window">The window, at least one minute.</param>
    /// <returns>One point per minute given, oldest first.</returns>
    public static IReadOnlyList<TrendPoint> Compute(IReadOnlyList<MinuteMetrics> perMinute, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(perMinute);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromMinutes(1));
        var points = new List<TrendPoint>(perMinute.Count);
        long finished = 0, failed = 0;
        double milliseconds = 0;
        int first = 0;
        for (int i = 0; i < perMinute.Count; i++)
        {
            var current = perMinute[i];
            if (i > 0 && current.Minute < perMinute[i - 1].Minute)
            {
                throw new ArgumentException("The per-minute metrics must be ordered oldest first.", nameof(perMinute));
            }

            Add(current.Metrics, +1);
            while (perMinute[first].Minute <= current.Minute - window)
            {
                Add(perMinute[first].Metrics, -1);
                first++;
            }

            points.Add(new TrendPoint(
                current.Minute,
                current.Metrics.TasksFinished,
                finished,
                finished == 0 ? null : TimeSpan.FromMilliseconds(milliseconds / finished),
                finished == 0 ? null : (double)failed / finished));
        }

        return points;

        void Add(AgentMetrics m, int sign)
        {
            finished += sign * m.TasksFinished;
            failed += sign * m.TasksFailed;
            milliseconds += sign * (m.MeanLatency is { } mean ? mean.TotalMilliseconds * m.TasksFinished : 0);
        }
    }
}
