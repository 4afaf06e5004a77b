using System.Globalization;
using Microsoft.Data.Sqlite;
using TaskExecKit.Execution;

namespace TaskExecKit.Sqlite;

/// <summary>
/// A run journal in a SQLite file (by convention <c>&lt;runtime&gt;/database/state/runs.db</c>): WAL with
/// <c>synchronous = FULL</c>, so every transition is on disk before the executor acts on it and a
/// <c>kill -9</c> right after a write never loses it. One connection, writes serialised; safe for
/// one process at a time per file (a second process waits up to the busy timeout).
/// </summary>
/// <example><code>
/// using var journal = SqliteRunJournal.Open("runtime/database/state/runs.db");
/// await using var executor = TaskExecutor.Builder().Journal(journal).Build();
/// </code></example>
public sealed class SqliteRunJournal : IRunJournal, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private bool _disposed;

    private SqliteRunJournal(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (creating when needed) a journal file.</summary>
    /// <param name="path">The database file; its folder is created when missing.</param>
    /// <returns>The journal; dispose it after the executor using it.</returns>
    /// <exception cref="TaskExecKit.Telemetry.TelemetryStoreException">The file cannot be opened as a journal.</exception>
    public static SqliteRunJournal Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 10000;");
            using (var cmd = connection.CreateCommand())
            {
                cmd.CommandText = "PRAGMA journal_mode = WAL;";
                if (!string.Equals(cmd.ExecuteScalar() as string, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new TaskExecKit.Telemetry.TelemetryStoreException($"SQLite refused WAL mode for the run journal {full}.");
                }
            }

            Execute(connection, "PRAGMA synchronous = FULL;");
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, plan_hash TEXT NOT NULL) STRICT;
                CREATE TABLE IF NOT EXISTS run_tasks (
                    run_id TEXT NOT NULL, task_id TEXT NOT NULL, starts INTEGER NOT NULL,
                    status TEXT, attempts INTEGER NOT NULL DEFAULT 0, exit_code INTEGER, reason TEXT,
                    started_at TEXT, finished_at TEXT,
                    PRIMARY KEY (run_id, task_id)) STRICT;
                """);
            return new SqliteRunJournal(connection);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new TaskExecKit.Telemetry.TelemetryStoreException($"Cannot open the run journal {full}: {ex.Message}", innerException: ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public ValueTask BeginRunAsync(string runId, string planHash, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write("INSERT INTO runs (run_id, plan_hash) VALUES ($run, $hash);", ("$run", runId), ("$hash", planHash));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask TaskStartedAsync(string runId, string taskId, int start, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(
            """
            INSERT INTO run_tasks (run_id, task_id, starts) VALUES ($run, $task, $starts)
            ON CONFLICT (run_id, task_id) DO UPDATE SET starts = excluded.starts, status = NULL, finished_at = NULL;
            """,
            ("$run", runId),
            ("$task", taskId),
            ("$starts", start));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask TaskFinishedAsync(string runId, TaskRunResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        cancellationToken.ThrowIfCancellationRequested();
        Write(
            """
            UPDATE run_tasks SET status = $status, attempts = $attempts, exit_code = $exit, reason = $reason,
                started_at = $started, finished_at = $finished
            WHERE run_id = $run AND task_id = $task;
            """,
            ("$run", runId),
            ("$task", result.TaskId),
            ("$status", result.Status.ToString()),
            ("$attempts", result.Attempts),
            ("$exit", result.ExitCode),
            ("$reason", result.Reason),
            ("$started", result.StartedAt?.ToString("O", CultureInfo.InvariantCulture)),
            ("$finished", result.FinishedAt?.ToString("O", CultureInfo.InvariantCulture)));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<RunJournalState?> LoadAsync(string runId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var run = _connection.CreateCommand();
            run.CommandText = "SELECT plan_hash FROM runs WHERE run_id = $run;";
            run.Parameters.AddWithValue("$run", runId);
            if (run.ExecuteScalar() is not string hash)
            {
                return ValueTask.FromResult<RunJournalState?>(null);
            }

            var tasks = new List<JournaledTask>();
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT task_id, starts, status, attempts, exit_code, reason, started_at, finished_at FROM run_tasks WHERE run_id = $run;";
            cmd.Parameters.AddWithValue("$run", runId);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                tasks.Add(new JournaledTask(
                    reader.GetString(0),
                    reader.GetInt32(1),
                    reader.IsDBNull(2) ? null : Enum.Parse<TaskRunStatus>(reader.GetString(2)),
                    reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetInt32(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : DateTimeOffset.Parse(reader.GetString(6), CultureInfo.InvariantCulture),
                    reader.IsDBNull(7) ? null : DateTimeOffset.Parse(reader.GetString(7), CultureInfo.InvariantCulture)));
            }

            return ValueTask.FromResult<RunJournalState?>(new RunJournalState(runId, hash, tasks));
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _connection.Dispose();
            }
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>One statement, its own transaction: committed (and, with synchronous FULL, synced) when this returns.</summary>
    private void Write(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var cmd = _connection.CreateCommand();
            cmd.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            cmd.ExecuteNonQuery();
        }
    }
}
