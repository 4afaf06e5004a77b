using Microsoft.Data.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Sqlite;

/// <summary>The result of checking the audit trail.</summary>
public sealed class AuditVerification
{
    internal AuditVerification(long rowsChecked, long? headSequence, long? firstBadSequence, string? problem)
    {
        RowsChecked = rowsChecked;
        HeadSequence = headSequence;
        FirstBadSequence = firstBadSequence;
        Problem = problem;
    }

    /// <summary>Gets a value indicating whether every row, the chain and the external head agree.</summary>
    public bool IsValid => Problem is null;

    /// <summary>Gets how many rows were checked.</summary>
    public long RowsChecked { get; }

    /// <summary>Gets the sequence the external chain head records, or null when there is no head file.</summary>
    public long? HeadSequence { get; }

    /// <summary>Gets the sequence of the first bad row, or null when the trail is valid or the problem is not one row.</summary>
    public long? FirstBadSequence { get; }

    /// <summary>Gets what is wrong, in one sentence, or null when the trail is valid.</summary>
    public string? Problem { get; }
}

/// <summary>Checks the hash-chained audit trail kept by the SQLite store.</summary>
public static class SqliteAuditTrail
{
    /// <summary>
    /// Checks the whole audit trail of a runtime directory without changing anything: the database structure,
    /// that sequences run 1, 2, 3 ... without gaps, that each row's hash covers its columns and the previous
    /// hash, and that the last row matches the chain head kept outside the database directory.
    /// </summary>
    /// <param name="runtimeDirectory">The runtime directory holding <c>database/audit.db</c>.</param>
    /// <param name="auditHeadPath">The chain head file, or null for <c>state/audit.head</c> under the runtime directory.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The result; <see cref="AuditVerification.FirstBadSequence"/> names the first bad row.</returns>
    /// <exception cref="TelemetryStoreException">The audit database is missing, unreadable or not a SQLite database.</exception>
    public static Task<AuditVerification> VerifyAsync(string runtimeDirectory, string? auditHeadPath = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeDirectory);
        string root = Path.GetFullPath(runtimeDirectory);
        string auditPath = Path.Combine(root, "database", "audit.db");
        string headPath = Path.GetFullPath(auditHeadPath ?? SqliteTelemetryStore.DefaultHeadPath(root));
        return Task.Run(() => Verify(auditPath, headPath, cancellationToken), cancellationToken);
    }

    internal static AuditVerification Verify(string auditPath, string headPath, CancellationToken cancellationToken)
    {
        if (!File.Exists(auditPath))
        {
            throw new TelemetryStoreException($"There is no audit database at {auditPath}.");
        }

        var head = AuditChain.ReadHead(headPath);
        try
        {
            using var connection = SqliteTelemetryStore.OpenConnection(auditPath, auditPath: null, new SqliteTelemetryOptions(), readOnly: true);
            string check = QuickCheck(connection);
            if (check != "ok")
            {
                return new AuditVerification(0, head?.Sequence, null, $"the audit database is damaged: {check}");
            }

            var chain = new AuditChain();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT seq, ts, kind, agent_id, task_id, name, reason, detail, value, count, outcome, prev_hash, hash, "
                + "typeof(seq), typeof(ts), typeof(kind), typeof(agent_id), typeof(task_id), typeof(name), typeof(reason), typeof(detail), "
                + "typeof(value), typeof(count), typeof(outcome), typeof(prev_hash), typeof(hash) FROM audit ORDER BY seq";
            using var reader = cmd.ExecuteReader();
            long expected = 1;
            byte[] previous = AuditChain.Genesis;
            string[] types = new string[13];
            while (reader.Read())
            {
                if ((expected & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                for (int i = 0; i < 13; i++)
                {
                    types[i] = reader.GetString(13 + i);
                }

                long seq = types[0] == "integer" ? reader.GetInt64(0) : -1;
                string? typeProblem = CheckTypes(types);
                if (typeProblem is not null)
                {
                    return Bad(expected, head, $"row {expected}: {typeProblem}");
                }

                if (seq != expected)
                {
                    return Bad(expected, head, seq > expected
                        ? $"row {seq} follows row {expected - 1}: rows {expected}..{seq - 1} are missing or renumbered"
                        : $"row {seq} appears after row {expected - 1}: rows were renumbered");
                }

                byte[] prev = (byte[])reader.GetValue(11);
                byte[] stored = (byte[])reader.GetValue(12);
                if (!prev.AsSpan().SequenceEqual(previous))
                {
                    return Bad(seq, head, $"row {seq}: its previous hash does not match row {seq - 1}");
                }

                byte[] computed = chain.Hash(seq, reader.GetInt64(1), (int)reader.GetInt64(2), Text(reader, 3), Text(reader, 4), Text(reader, 5),
                    Text(reader, 6), Text(reader, 7), reader.GetDouble(8), reader.GetInt64(9), (int)reader.GetInt64(10), prev);
                if (!computed.AsSpan().SequenceEqual(stored))
                {
                    return Bad(seq, head, $"row {seq}: its hash does not match its columns (the row was changed)");
                }

                previous = stored;
                expected++;
            }

            long rows = expected - 1;
            if (head is null)
            {
                return rows == 0
                    ? new AuditVerification(0, null, null, null)
                    : new AuditVerification(rows, null, null, $"the chain head {headPath} is missing, so truncation cannot be ruled out");
            }

            var (headSeq, headHash) = head.Value;
            if (headSeq > rows)
            {
                return new AuditVerification(rows, headSeq, rows + 1, $"the trail ends at row {rows} but the chain head {headPath} records row {headSeq}: the audit database was truncated");
            }

            if (headSeq > 0 && !HashAt(connection, headSeq).AsSpan().SequenceEqual(headHash))
            {
                return new AuditVerification(rows, headSeq, headSeq, $"row {headSeq} does not match the chain head {headPath}: the audit database was rewritten");
            }

            return new AuditVerification(rows, headSeq, null, null);
        }
        catch (SqliteException ex)
        {
            throw SqliteTelemetryStore.Translate(ex, auditPath);
        }
        catch (InvalidCastException ex)
        {
            throw new TelemetryStoreException($"The audit database {auditPath} is damaged: {ex.Message}", innerException: ex);
        }
    }

    private static AuditVerification Bad(long seq, (long Sequence, byte[] Hash)? head, string problem) =>
        new(seq - 1, head?.Sequence, seq, problem);

    private static string? Text(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static string? CheckTypes(string[] types)
    {
        // seq, ts, kind: integer; agent..detail: text or null; value: real; count, outcome: integer; hashes: blob.
        string[] names = ["seq", "ts", "kind", "agent_id", "task_id", "name", "reason", "detail", "value", "count", "outcome", "prev_hash", "hash"];
        for (int i = 0; i < types.Length; i++)
        {
            bool ok = i switch
            {
                0 or 1 or 2 or 9 or 10 => types[i] == "integer",
                >= 3 and <= 7 => types[i] is "text" or "null",
                8 => types[i] == "real",
                _ => types[i] == "blob",
            };
            if (!ok)
            {
                return $"column {names[i]} holds a {types[i]} value";
            }
        }

        return null;
    }

    private static string QuickCheck(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA quick_check(5)";
        using var reader = cmd.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join("; ", lines);
    }

    private static byte[] HashAt(SqliteConnection connection, long seq)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT hash FROM audit WHERE seq = $seq";
        cmd.Parameters.AddWithValue("$seq", seq);
        return cmd.ExecuteScalar() as byte[] ?? [];
    }
}
