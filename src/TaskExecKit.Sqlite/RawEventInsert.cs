using Microsoft.Data.Sqlite;
using SQLitePCL;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Sqlite;

/// <summary>
/// An insert of the batch writer (events, audit rows), prepared once and stepped directly on the connection's
/// SQLite handle: the ADO.NET command path costs about a kilobyte of allocation and several
/// microseconds per row, which caps a sink well below its target. It runs inside the batch's
/// <c>BEGIN IMMEDIATE</c> transaction because it uses the same connection.
/// </summary>
internal sealed class RawEventInsert : IDisposable
{
    private const int SqliteOk = 0;
    private const int SqliteDone = 101;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    internal RawEventInsert(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
    }

    internal void Insert(in TelemetryEvent e) => Insert(e, 0, default, default);

    /// <summary>Inserts an event; for the audit statement also its sequence (?11), previous hash (?12) and hash (?13).</summary>
    internal void Insert(in TelemetryEvent e, long seq, ReadOnlySpan<byte> previousHash, ReadOnlySpan<byte> hash)
    {
        try
        {
            if (seq > 0)
            {
                Check(raw.sqlite3_bind_int64(_statement, 11, seq));
                Check(raw.sqlite3_bind_blob(_statement, 12, previousHash));
                Check(raw.sqlite3_bind_blob(_statement, 13, hash));
            }

            Check(raw.sqlite3_bind_int64(_statement, 1, e.Timestamp.UtcTicks));
            Check(raw.sqlite3_bind_int(_statement, 2, (int)e.Kind));
            BindText(3, e.AgentId);
            BindText(4, e.TaskId);
            BindText(5, e.Name);
            BindText(6, e.Reason);
            BindText(7, e.Detail);
            Check(raw.sqlite3_bind_double(_statement, 8, e.Value));
            Check(raw.sqlite3_bind_int64(_statement, 9, e.Count));
            Check(raw.sqlite3_bind_int(_statement, 10, (int)e.Outcome));
            int rc = raw.sqlite3_step(_statement);
            if (rc != SqliteDone)
            {
                throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
            }
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void BindText(int index, string? text) =>
        Check(text is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text(_statement, index, text));

    private void Check(int rc)
    {
        if (rc != SqliteOk)
        {
            throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc);
        }
    }
}
