using System.Diagnostics;
using System.Globalization;
using TaskExecKit.Dashboard;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Benchmarks;

/// <summary>
/// Latency of the queries behind the dashboard's pages, on a SQLite store holding N events over 24 h and 20 agents
/// (plus a few decisions, limit hits and alerts), read the way the dashboard reads it: a read-only TelemetrySystem.
/// Run: dotnet run -c Release -- dashboard-report [rows]
/// </summary>
internal static class DashboardReport
{
    internal static async Task RunAsync(int rows, int runs)
    {
        string runtime = Path.Combine(Path.GetTempPath(), "tek-dash-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# Dashboard report: {rows:N0} rows, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, load {Load()}"));
            await FillAsync(runtime, rows);
            await using var telemetry = new TelemetrySystem(new TelemetryOptions
            {
                RuntimeDirectory = runtime,
                Store = new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions { ReadOnly = true }),
                WriteJsonLogs = false,
                PersistInstrumentMeasurements = false,
            });
            var hour = TimeRange.LastHour;
            var day = TimeRange.Last(TimeSpan.FromDays(1));
            await Measure(runs, "agents page: one agent's minutes, last hour (GetMetricsAsync)", () => telemetry.GetMetricsAsync(hour, "agent-07").AsTask());
            await Measure(runs, "agents page: all agents, last hour (GetMetricsAsync)", () => telemetry.GetMetricsAsync(hour).AsTask());
            await Measure(runs, "agents page: whole page (1 + 12 agents' minutes)", () => DashboardQueries.AgentsAsync(telemetry, hour, CancellationToken.None));
            await Measure(Math.Max(10, runs / 10), "loop page: decisions, limits, kills (last 24 h)", () => DashboardQueries.LoopHistoryAsync(telemetry, CancellationToken.None));
            await Measure(Math.Max(10, runs / 10), "alerts page (last 24 h)", () => DashboardQueries.AlertsAsync(telemetry, CancellationToken.None));
            await Measure(Math.Max(10, runs / 10), "audit page: newest 500 of the last 24 h", () => DashboardQueries.AuditAsync(telemetry, day, null, null, null, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(runtime, recursive: true);
        }
    }

    private static async Task FillAsync(string runtime, int rows)
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
                    var at = start + TimeSpan.FromTicks((end - start).Ticks / rows * (written + i));
                    int k = written + i;
                    // One event in 2,000 is a decision, a limit hit or an alert: what the loop and alerts pages list.
                    batch[i] = (k % 2000) switch
                    {
                        1 => TelemetryWorkload.Audited(1, at),
                        3 => new TelemetryEvent { Kind = TelemetryEventKind.LimitHit, Timestamp = at, Name = "max_attempts", Value = 3, AgentId = "agent-03" },
                        5 => new TelemetryEvent { Kind = k % 4000 == 5 ? TelemetryEventKind.AlertRaised : TelemetryEventKind.AlertCleared, Timestamp = at, Name = "failure_rate", Value = 0.3, Detail = "0.25", AgentId = "agent-05", Count = 50 },
                        _ => TelemetryWorkload.Event(k, at),
                    };
                }

                await store.WriteAsync(batch.AsMemory(0, n), CancellationToken.None);
                written += n;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"filled {rows:N0} events in {sw.Elapsed.TotalSeconds:0.0} s"));
        }
    }

    private static async Task Measure<T>(int runs, string name, Func<Task<T>> query)
    {
        for (int i = 0; i < Math.Min(20, runs); i++)
        {
            await query();
        }

        var samples = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            await query();
            samples[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }

        Array.Sort(samples);
        double P(double f) => samples[Math.Min(samples.Length - 1, (int)Math.Ceiling(f * samples.Length) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {runs} | {P(0.5):0.000} ms | {P(0.99):0.000} ms |"));
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
