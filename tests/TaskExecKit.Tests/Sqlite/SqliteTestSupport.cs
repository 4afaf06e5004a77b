using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Sqlite;

internal static class SqliteTestSupport
{
    internal static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 30, TimeSpan.Zero);

    internal static TelemetryOptions Options(string runtime, TimeProvider? time = null, SqliteTelemetryOptions? sqlite = null) => new()
    {
        RuntimeDirectory = runtime,
        Store = new SqliteTelemetryStoreFactory(sqlite ?? new SqliteTelemetryOptions()),
        TimeProvider = time ?? new FakeTimeProvider(Start),
        PersistInstrumentMeasurements = false,
    };

    /// <summary>The options of <see cref="Options"/> on the SQLite store, or on the in-memory store when <paramref name="sqlite"/> is false.</summary>
    internal static TelemetryOptions Options(string runtime, TimeProvider time, bool sqlite)
    {
        var options = Options(runtime, time);
        if (!sqlite)
        {
            options.Store = null;
            options.DiscoverStore = false;
        }

        return options;
    }

    /// <summary>Records audited events of every shape (null and non-null text, long text) and closes the system.</summary>
    internal static async Task WriteAuditTrailAsync(string runtime, int rows, TimeProvider? time = null)
    {
        await using var telemetry = new TelemetrySystem(Options(runtime, time));
        for (int i = 0; i < rows; i++)
        {
            switch (i % 3)
            {
                case 0:
                    telemetry.RecordEffect("process:git", $"git push origin feature/{i}", allowed: i % 2 == 0, reason: i % 2 == 0 ? null : "not granted", agentId: $"agent-{i % 4}", taskId: $"TASK-{i:D3}");
                    break;
                case 1:
                    telemetry.RecordDecision($"retry-{i}", "transient failure", $"attempt={i}; budget=3", $"agent-{i % 4}");
                    break;
                default:
                    telemetry.RecordConfigurationChange($"executor.max_workers.{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture), "config/core.toml");
                    break;
            }
        }
    }

    internal static SqliteConnection OpenRaw(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    internal static void Execute(string path, string sql)
    {
        using var connection = OpenRaw(path);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
