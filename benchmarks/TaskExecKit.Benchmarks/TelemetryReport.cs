using System.Diagnostics;
using System.Globalization;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Benchmarks;

/// <summary>
/// Sustained figures BenchmarkDotNet does not give directly: SQLite sink events/s over 1M events, end-to-end
/// persisted/s through a TelemetrySystem, query latency percentiles on 1M rows, and audit verification of 1M rows.
/// Run: dotnet run -c Release -- telemetry-report [rows]
/// </summary>
internal static class TelemetryReport
{
    internal static async Task RunAsync(int rows, bool queriesOnly = false)
    {
        string dir = Path.Combine(Path.GetTempPath(), "tek-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# Telemetry report: {rows:N0} rows, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}"));
            await SinkAndQueriesAsync(Path.Combine(dir, "events"), rows);
            if (!queriesOnly)
            {
                await EndToEndAsync(Path.Combine(dir, "e2e"), rows);
                await AuditAsync(Path.Combine(dir, "audit"), rows);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task SinkAndQueriesAsync(string runtime, int rows)
    {
        var time = TimeProvider.System;
        var end = time.GetUtcNow();
        var start = end - TimeSpan.FromHours(24);
        var store = new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions { RetentionAge = null, MaxDatabaseBytes = null })
            .Create(new TelemetryStoreContext(runtime, time));
        await using (store.ConfigureAwait(false))
        {
            var batch = new TelemetryEvent[4096];
            var sw = Stopwatch.StartNew();
            for (int written = 0; written < rows;)
            {
                int n = Math.Min(batch.Length, rows - written);
                for (int i = 0; i < n; i++)
                {
                    // Spread over the last 24 hours, oldest first.
                    var at = start + TimeSpan.FromTicks((end - start).Ticks / rows * (written + i));
                    batch[i] = TelemetryWorkload.Event(written + i, at);
                }

                await store.WriteAsync(batch.AsMemory(0, n), CancellationToken.None);
                written += n;
            }

            sw.Stop();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sqlite sink: {rows:N0} events in {sw.Elapsed.TotalSeconds:0.00} s = {rows / sw.Elapsed.TotalSeconds:N0} events/s (batches of 4096, synchronous=NORMAL)"));

            var hour = (end - TimeSpan.FromHours(1), end);
            var day = (start, end);
            await Measure("agent's 50 most recent events", () => store.GetEventsAsync(new EventQuery(TimeRange.LastHour, "agent-07", limit: 50), start, end, CancellationToken.None));
            await Measure("agent's metrics per minute, last hour (rollups, key agent_id+minute)", () => store.GetRollupsAsync(hour.Item1, hour.Item2, "agent-07", CancellationToken.None));
            await Measure("all agents' metrics per minute, last hour (rollups_all)", () => store.GetOverallRollupsAsync(hour.Item1, hour.Item2, CancellationToken.None));
            await MeasureTask("counts by kind, all agents, last hour (rollups_all)", async () =>
                TelemetrySystem.CountByKind(await store.GetOverallRollupsAsync(hour.Item1, hour.Item2, CancellationToken.None)));
            await MeasureTask("counts by kind, one agent, last hour", async () =>
                TelemetrySystem.CountByKind(await store.GetRollupsAsync(hour.Item1, hour.Item2, "agent-07", CancellationToken.None)));
            await Measure("all agents' metrics per minute, last 24 h (1,440 rows)", () => store.GetOverallRollupsAsync(day.Item1, day.Item2, CancellationToken.None));
            await MeasureTask("full snapshot (per-agent table too, 1,200 rollup rows), last hour", async () =>
            {
                var rollups = await store.GetRollupsAsync(hour.Item1, hour.Item2, null, CancellationToken.None);
                return TelemetrySystem.BuildSnapshot(hour.Item1, hour.Item2, rollups, [], store.Description, default);
            });
        }
    }

    private static async Task EndToEndAsync(string runtime, int rows)
    {
        var telemetry = new TelemetrySystem(new TelemetryOptions
        {
            RuntimeDirectory = runtime,
            Store = new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions { RetentionAge = null, MaxDatabaseBytes = null }),
            WriteJsonLogs = false,
        });
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < rows; i++)
        {
            if (i % 2 == 0)
            {
                telemetry.RecordTaskStarted("TASK-001", "agent-01");
            }
            else
            {
                telemetry.RecordTaskFinished("TASK-001", "agent-01", TaskOutcome.Succeeded, TimeSpan.FromMilliseconds(i % 1000));
            }
        }

        double produceSeconds = sw.Elapsed.TotalSeconds;
        await telemetry.FlushAsync();
        sw.Stop();
        var c = telemetry.Counters;
        await telemetry.DisposeAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"end to end (producer as fast as it can, queue 65,536): produced {c.Produced:N0} in {produceSeconds:0.00} s, persisted {c.Persisted:N0}, dropped {c.Dropped:N0}; persisted/s until flushed = {c.Persisted / sw.Elapsed.TotalSeconds:N0}; persisted + dropped = produced: {c.Persisted + c.Dropped == c.Produced}"));
    }

    private static async Task AuditAsync(string runtime, int rows)
    {
        var time = TimeProvider.System;
        var store = new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions { RetentionAge = null, MaxDatabaseBytes = null })
            .Create(new TelemetryStoreContext(runtime, time));
        var batch = new TelemetryEvent[4096];
        var now = time.GetUtcNow();
        var sw = Stopwatch.StartNew();
        await using (store.ConfigureAwait(false))
        {
            for (int written = 0; written < rows;)
            {
                int n = Math.Min(batch.Length, rows - written);
                for (int i = 0; i < n; i++)
                {
                    batch[i] = TelemetryWorkload.Audited(written + i, now);
                }

                await store.WriteAsync(batch.AsMemory(0, n), CancellationToken.None);
                written += n;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"audited events: {rows:N0} in {sw.Elapsed.TotalSeconds:0.00} s = {rows / sw.Elapsed.TotalSeconds:N0} events/s (event row + chained audit row each)"));
        sw.Restart();
        var result = await SqliteAuditTrail.VerifyAsync(runtime);
        sw.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"audit verify: {result.RowsChecked:N0} rows in {sw.Elapsed.TotalSeconds:0.00} s, valid: {result.IsValid}"));
    }

    private static async Task Measure<T>(string name, Func<ValueTask<T>> query)
    {
        for (int i = 0; i < 50; i++)
        {
            await query();
        }

        const int runs = 2000;
        var samples = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long t = Stopwatch.GetTimestamp();
            await query();
            samples[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }

        Array.Sort(samples);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"query '{name}': p50 {samples[runs / 2]:0.000} ms, p99 {samples[(int)(runs * 0.99)]:0.000} ms, max {samples[^1]:0.000} ms"));
    }

    private static async Task MeasureTask<T>(string name, Func<Task<T>> query) => await Measure(name, () => new ValueTask<T>(query()));
}
