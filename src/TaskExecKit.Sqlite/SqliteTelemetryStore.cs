using System.Data;
using System.Globalization;
using Microsoft.Data.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Sqlite;

/// <summary>
/// Telemetry in SQLite: <c>telemetry.db</c> (events, minute rollups) with <c>audit.db</c> attached (the
/// hash-chained audit trail). WAL, explicit <c>synchronous</c>, one <c>BEGIN IMMEDIATE</c> transaction per batch,
/// schema migrations with a version table, retention by age and size. One writer per runtime directory
/// (a lock file enforces it); reads use their own connection so they never wait for a batch.
/// </summary>
internal sealed class SqliteTelemetryStore : ITelemetryStore
{
    /// <summary>The schema version of telemetry.db (2 added the all-agents rollup and keyed rollups by agent).</summary>
    internal const int SchemaVersion = 3;

    /// <summary>The schema version of audit.db.</summary>
    internal const int AuditSchemaVersion = 1;
    /// <summary>The agent id of all-agents rollups (never stored in the per-agent table).</summary>
    private const string OverallAgentId = "*";
    private const string EventColumns = "ts, kind, agent_id, task_id, name, reason, detail, value, count, outcome";

    private readonly SqliteConnection? _write;
    private readonly SqliteConnection _read;
    private readonly SemaphoreSlim _readGate = new(1, 1);
    private readonly FileStream? _lock;
    private readonly SqliteTelemetryOptions _options;
    private readonly TimeProvider _time;
    private readonly AuditChain _chain = new();
    private readonly Dictionary<(long, string), MinuteRollup> _batchRollups = [];
    private readonly Dictionary<long, MinuteRollup> _batchOverall = [];
    private RawEventInsert? _insertEvent;
    private RawEventInsert? _insertAudit;
    private SqliteCommand? _selectRollup;
    private SqliteCommand? _upsertRollup;
    private SqliteCommand? _selectOverall;
    private SqliteCommand? _upsertOverall;
    private SqliteCommand? _rollupsQuery;
    private SqliteCommand? _agentRollupsQuery;
    private SqliteCommand? _overallQuery;
    private readonly Dictionary<(bool, string), SqliteCommand> _eventQueries = [];
    private long _lastSeq;
    private byte[] _lastHash = AuditChain.Genesis;
    private DateTimeOffset _nextRetention;
    private bool _headBehind;

    private SqliteTelemetryStore(string databaseDirectory, string headPath, SqliteTelemetryOptions options, TimeProvider time,
        FileStream? fileLock, SqliteConnection? write, SqliteConnection read)
    {
        DatabaseDirectory = databaseDirectory;
        HeadPath = headPath;
        _options = options;
        _time = time;
        _lock = fileLock;
        _write = write;
        _read = read;
        _nextRetention = time.GetUtcNow();
    }

    public string Description => $"sqlite: {TelemetryPath}{(_options.ReadOnly ? " (read-only)" : string.Empty)}";

    internal string DatabaseDirectory { get; }

    internal string TelemetryPath => Path.Combine(DatabaseDirectory, "telemetry.db");

    internal string AuditPath => Path.Combine(DatabaseDirectory, "audit.db");

    internal string HeadPath { get; }

    internal static string DefaultHeadPath(string runtimeDirectory) => Path.Combine(runtimeDirectory, "state", "audit.head");

    internal static SqliteTelemetryStore Open(string runtimeDirectory, SqliteTelemetryOptions options, TimeProvider time)
    {
        string root = Path.GetFullPath(runtimeDirectory);
        string dbDir = Path.Combine(root, "database");
        string headPath = Path.GetFullPath(options.AuditHeadPath ?? DefaultHeadPath(root));
        if (headPath.StartsWith(dbDir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"SqliteTelemetryOptions.AuditHeadPath ({headPath}) must be outside the database directory {dbDir}, or truncating the databases could not be detected.", nameof(options));
        }

        string telemetryPath = Path.Combine(dbDir, "telemetry.db");
        string auditPath = Path.Combine(dbDir, "audit.db");
        if (options.ReadOnly)
        {
            foreach (string path in new[] { telemetryPath, auditPath })
            {
                if (!File.Exists(path))
                {
                    throw new TelemetryStoreException($"There is no telemetry database at {path}. Run something that records telemetry with this runtime directory first.");
                }
            }
        }

        FileStream? fileLock = null;
        SqliteConnection? write = null;
        SqliteConnection? read = null;
        try
        {
            if (!options.ReadOnly)
            {
                Directory.CreateDirectory(dbDir);
                Directory.CreateDirectory(Path.GetDirectoryName(headPath)!);
                fileLock = AcquireWriterLock(Path.Combine(dbDir, "telemetry.lock"));
            }

            CheckHeader(telemetryPath);
            CheckHeader(auditPath);
            if (!options.ReadOnly)
            {
                write = OpenConnection(telemetryPath, auditPath, options, readOnly: false);
                Migrate(write, telemetryPath);
            }

            read = OpenConnection(telemetryPath, auditPath, options, readOnly: true);
            int version = ReadVersion(read, "main");
            int auditVersion = ReadVersion(read, "audit");
            if (version > SchemaVersion || auditVersion > AuditSchemaVersion)
            {
                throw new TelemetryStoreException(NewerSchema(telemetryPath, version > SchemaVersion ? version : auditVersion));
            }

            if (version == 0 || auditVersion == 0)
            {
                throw new TelemetryStoreException($"The telemetry database {telemetryPath} has no TaskExecKit schema (version {version}/{auditVersion}); it was left untouched.");
            }

            if (version != SchemaVersion || auditVersion != AuditSchemaVersion)
            {
                throw new TelemetryStoreException($"The telemetry database {telemetryPath} has an older schema (version {version}); it was left untouched. Open it once with a writer (any run with this runtime directory) to upgrade it.");
            }

            var store = new SqliteTelemetryStore(dbDir, headPath, options, time, fileLock, write, read);
            if (write is not null)
            {
                store.LoadChainTip();
                store.Prepare();
            }

            return store;
        }
        catch (Exception ex) when (ex is SqliteException or TelemetryStoreException or IOException or UnauthorizedAccessException)
        {
            write?.Dispose();
            read?.Dispose();
            fileLock?.Dispose();
            throw ex switch
            {
                SqliteException s => Translate(s, telemetryPath),
                IOException or UnauthorizedAccessException => new TelemetryStoreException($"The telemetry database in {dbDir} could not be opened: {ex.Message}", innerException: ex),
                _ => ex,
            };
        }
    }

    public ValueTask WriteAsync(ReadOnlyMemory<TelemetryEvent> batch, CancellationToken cancellationToken)
    {
        if (_write is null)
        {
            throw new TelemetryStoreException($"The telemetry database {TelemetryPath} was opened read-only.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        long seq = _lastSeq;
        byte[] hash = _lastHash;
        try
        {
            // Retention runs before the batch: if it fails, nothing of the batch was written and saying so is true.
            if (_time.GetUtcNow() >= _nextRetention)
            {
                ApplyRetention();
            }

            using (var tx = _write.BeginTransaction(IsolationLevel.Serializable, deferred: false)) // BEGIN IMMEDIATE
            {
                _selectRollup!.Transaction = tx;
                _upsertRollup!.Transaction = tx;
                _selectOverall!.Transaction = tx;
                _upsertOverall!.Transaction = tx;
                _batchRollups.Clear();
                _batchOverall.Clear();
                foreach (ref readonly var e in batch.Span)
                {
                    _insertEvent!.Insert(e);
                    if (e.IsAudited)
                    {
                        seq++;
                        byte[] next = _chain.Hash(seq, e, hash);
                        _insertAudit!.Insert(e, seq, hash, next);
                        hash = next;
                    }

                    var key = (MinuteRollup.MinuteOf(e.Timestamp).UtcTicks, e.AgentId ?? string.Empty);
                    if (!_batchRollups.TryGetValue(key, out var rollup))
                    {
                        _batchRollups[key] = rollup = new MinuteRollup(e.Timestamp, key.Item2);
                    }

                    rollup.Add(e);
                    if (!_batchOverall.TryGetValue(key.Item1, out var overall))
                    {
                        _batchOverall[key.Item1] = overall = new MinuteRollup(e.Timestamp, OverallAgentId);
                    }

                    overall.Add(e);
                }

                foreach (var (minute, rollup) in _batchOverall)
                {
                    _selectOverall.Parameters["$minute"].Value = minute;
                    if (_selectOverall.ExecuteScalar() is byte[] existing)
                    {
                        rollup.Merge(MinuteRollup.FromBytes(rollup.Minute, OverallAgentId, existing));
                    }

                    _upsertOverall.Parameters["$minute"].Value = minute;
                    _upsertOverall.Parameters["$data"].Value = rollup.ToBytes();
                    _upsertOverall.ExecuteNonQuery();
                }

                foreach (var ((minute, agent), rollup) in _batchRollups)
                {
                    _selectRollup.Parameters["$minute"].Value = minute;
                    _selectRollup.Parameters["$agent"].Value = agent;
                    if (_selectRollup.ExecuteScalar() is byte[] existing)
                    {
                        rollup.Merge(MinuteRollup.FromBytes(rollup.Minute, agent, existing));
                    }

                    _upsertRollup.Parameters["$minute"].Value = minute;
                    _upsertRollup.Parameters["$agent"].Value = agent;
                    _upsertRollup.Parameters["$data"].Value = rollup.ToBytes();
                    _upsertRollup.ExecuteNonQuery();
                }

                tx.Commit();
            }

            if (seq != _lastSeq || _headBehind)
            {
                _lastSeq = seq;
                _lastHash = hash;
                TryWriteHead();
            }
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, TelemetryPath);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Moves the external head to the committed tip. The batch is already durable, so a failure here must not
    /// report it as lost: the head stays behind (which open and verify treat like a crash before the update)
    /// and the next batch or the disposal tries again.
    /// </summary>
    private void TryWriteHead()
    {
        try
        {
            AuditChain.WriteHead(HeadPath, _lastSeq, _lastHash);
            _headBehind = false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _headBehind = true;
        }
    }

    public async ValueTask<IReadOnlyList<MinuteRollup>> GetRollupsAsync(DateTimeOffset since, DateTimeOffset until, string? agentId, CancellationToken cancellationToken)
    {
        await _readGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SqliteCommand cmd;
            if (agentId is null)
            {
                // Every agent's rows of the range, through the minute index.
                cmd = _rollupsQuery ??= PrepareRead("SELECT minute, agent_id, data FROM rollups INDEXED BY ix_rollups_minute WHERE minute >= $since AND minute < $until ORDER BY minute", "$since", "$until");
            }
            else
            {
                // One agent's rows: a contiguous range of the primary key (agent_id, minute).
                cmd = _agentRollupsQuery ??= PrepareRead("SELECT minute, agent_id, data FROM rollups WHERE agent_id = $agent AND minute >= $since AND minute < $until ORDER BY minute", "$since", "$until", "$agent");
                cmd.Parameters[2].Value = agentId;
            }

            cmd.Parameters[0].Value = MinuteRollup.MinuteOf(since).UtcTicks;
            cmd.Parameters[1].Value = until.UtcTicks;
            var result = new List<MinuteRollup>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                result.Add(MinuteRollup.FromBytes(new DateTimeOffset(reader.GetInt64(0), TimeSpan.Zero), reader.GetString(1), ReadBlob(reader, 2)));
            }

            return result;
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, TelemetryPath);
        }
        finally
        {
            _readGate.Release();
        }
    }

    public async ValueTask<IReadOnlyList<MinuteRollup>> GetOverallRollupsAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        await _readGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One row per minute (the primary key), however many agents there are.
            _overallQuery ??= PrepareRead("SELECT minute, data FROM rollups_all WHERE minute >= $since AND minute < $until ORDER BY minute", "$since", "$until");
            _overallQuery.Parameters[0].Value = MinuteRollup.MinuteOf(since).UtcTicks;
            _overallQuery.Parameters[1].Value = until.UtcTicks;
            var result = new List<MinuteRollup>();
            using var reader = _overallQuery.ExecuteReader();
            while (reader.Read())
            {
                result.Add(MinuteRollup.FromBytes(new DateTimeOffset(reader.GetInt64(0), TimeSpan.Zero), OverallAgentId, ReadBlob(reader, 1)));
            }

            return result;
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, TelemetryPath);
        }
        finally
        {
            _readGate.Release();
        }
    }

    public async ValueTask<IReadOnlyList<TelemetryEvent>> GetEventsAsync(EventQuery query, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await _readGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One prepared command per shape (with or without agent, which kinds), reused: the common queries
            // (an agent's recent events, recent events of some kinds) parse once and allocate no command.
            int[] kinds = [.. query.Kinds.Select(k => (int)k).Distinct().Order()];
            var shape = (query.AgentId is not null, string.Join(',', kinds));
            if (!_eventQueries.TryGetValue(shape, out var cmd))
            {
                if (_eventQueries.Count >= 32)
                {
                    foreach (var old in _eventQueries.Values)
                    {
                        old.Dispose();
                    }

                    _eventQueries.Clear();
                }

                _eventQueries[shape] = cmd = PrepareRead(EventQuerySql(query.AgentId is not null, kinds), "$since", "$until", "$limit", "$agent");
            }

            cmd.Parameters[0].Value = since.UtcTicks;
            cmd.Parameters[1].Value = until.UtcTicks;
            cmd.Parameters[2].Value = query.Limit;
            cmd.Parameters[3].Value = (object?)query.AgentId ?? DBNull.Value;
            var result = new List<TelemetryEvent>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                result.Add(ReadEvent(reader, 0));
            }

            return result;
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, TelemetryPath);
        }
        finally
        {
            _readGate.Release();
        }
    }

    /// <summary>
    /// The SQL of an event query. Without an agent, each kind asked for is its own newest-first range of
    /// <c>ix_events_kind_ts</c> (at most <c>$limit</c> rows each), merged: a rare kind costs what it holds, however
    /// many other events the range has. With an agent, the agent's range of <c>ix_events_agent_ts</c>, filtered.
    /// </summary>
    private static string EventQuerySql(bool byAgent, int[] kinds)
    {
        if (byAgent || kinds.Length == 0)
        {
            string kindFilter = kinds.Length == 0 ? string.Empty
                : " AND kind IN (" + string.Join(',', kinds.Select(k => k.ToString(CultureInfo.InvariantCulture))) + ")";
            return $"SELECT {EventColumns} FROM events WHERE " + (byAgent ? "agent_id = $agent AND " : string.Empty)
                + "ts >= $since AND ts < $until" + kindFilter + " ORDER BY ts DESC LIMIT $limit";
        }

        var perKind = kinds.Select(k => string.Create(CultureInfo.InvariantCulture,
            $"SELECT * FROM (SELECT {EventColumns} FROM events INDEXED BY ix_events_kind_ts WHERE kind = {k} AND ts >= $since AND ts < $until ORDER BY ts DESC LIMIT $limit)"));
        return string.Join(" UNION ALL ", perKind) + " ORDER BY ts DESC LIMIT $limit";
    }

    public ValueTask<IReadOnlyList<AuditEntry>> GetAuditEntriesAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken) =>
        ReadAuditAsync($"SELECT seq, {EventColumns}, hash FROM audit.audit WHERE ts >= $since AND ts < $until ORDER BY seq LIMIT $limit", since, until, limit, cancellationToken);

    public ValueTask<IReadOnlyList<AuditEntry>> GetLatestAuditEntriesAsync(DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken) =>
        ReadAuditAsync($"SELECT * FROM (SELECT seq, {EventColumns}, hash FROM audit.audit WHERE ts >= $since AND ts < $until ORDER BY seq DESC LIMIT $limit) ORDER BY seq", since, until, limit, cancellationToken);

    private async ValueTask<IReadOnlyList<AuditEntry>> ReadAuditAsync(string sql, DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken)
    {
        await _readGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var cmd = _read.CreateCommand();
            cmd.CommandText = sql;
            cmd.Parameters.AddWithValue("$since", since.UtcTicks);
            cmd.Parameters.AddWithValue("$until", until.UtcTicks);
            cmd.Parameters.AddWithValue("$limit", limit);
            var result = new List<AuditEntry>();
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                result.Add(new AuditEntry(reader.GetInt64(0), ReadEvent(reader, 1), Convert.ToHexStringLower((byte[])reader.GetValue(11))));
            }

            return result;
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, AuditPath);
        }
        finally
        {
            _readGate.Release();
        }
    }

    /// <summary>Removes events and rollups older than the retention age, then the oldest events while telemetry.db is too big.</summary>
    internal void ApplyRetention()
    {
        if (_write is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        _nextRetention = now + _options.RetentionInterval;
        if (_options.RetentionAge is { } age)
        {
            long cutoff = (now - age).UtcTicks;
            Execute(_write, $"DELETE FROM events WHERE ts < {cutoff}; DELETE FROM rollups WHERE minute < {MinuteRollup.MinuteOf(now - age).UtcTicks}; DELETE FROM rollups_all WHERE minute < {MinuteRollup.MinuteOf(now - age).UtcTicks};");
        }

        if (_options.MaxDatabaseBytes is { } max)
        {
            for (int pass = 0; pass < 8; pass++)
            {
                long used = UsedBytes();
                long count = Scalar(_write, "SELECT count(*) FROM events");
                if (used <= max || count == 0)
                {
                    break;
                }

                // Remove the oldest share of events that should bring the file to 90 % of the limit.
                double share = Math.Clamp(1 - (0.9 * max / used), 0.01, 1);
                long remove = Math.Max(1, (long)Math.Ceiling(count * share));
                Execute(_write, $"DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT {remove});");
                Execute(_write, "PRAGMA incremental_vacuum;");
            }

            Execute(_write, "PRAGMA wal_checkpoint(TRUNCATE);");
        }
    }

    internal long UsedBytes() => _write is null ? 0
        : (Scalar(_write, "PRAGMA page_count") - Scalar(_write, "PRAGMA freelist_count")) * Scalar(_write, "PRAGMA page_size");

    public ValueTask DisposeAsync()
    {
        _insertEvent?.Dispose();
        _insertAudit?.Dispose();
        _selectRollup?.Dispose();
        _upsertRollup?.Dispose();
        _selectOverall?.Dispose();
        _upsertOverall?.Dispose();
        _rollupsQuery?.Dispose();
        _agentRollupsQuery?.Dispose();
        _overallQuery?.Dispose();
        foreach (var cmd in _eventQueries.Values)
        {
            cmd.Dispose();
        }

        if (_write is not null)
        {
            if (_headBehind)
            {
                TryWriteHead();
            }

            try
            {
                Execute(_write, "PRAGMA wal_checkpoint(TRUNCATE);");
            }
            catch (SqliteException)
            {
                // Best effort: the WAL is replayed on the next open.
            }

            _write.Dispose();
        }

        _read.Dispose();
        _readGate.Dispose();
        _lock?.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static TelemetryStoreException Translate(SqliteException ex, string path) => ex.SqliteErrorCode switch
    {
        5 or 6 => new TelemetryStoreException($"The telemetry database {path} is locked by another connection (SQLite: {ex.Message}). Try again when it is released.", isTransient: true, ex),
        11 or 26 => new TelemetryStoreException($"The telemetry database {path} is corrupted or not a SQLite database (SQLite: {ex.Message}); it was left untouched. Move it away to start a new one.", innerException: ex),
        13 => new TelemetryStoreException($"The disk holding {path} is full (SQLite: {ex.Message}).", isTransient: true, ex),
        _ => new TelemetryStoreException($"The telemetry database {path} failed: SQLite error {ex.SqliteErrorCode}: {ex.Message}", innerException: ex),
    };

    internal static TelemetryEvent ReadEvent(SqliteDataReader reader, int at) => new()
    {
        Timestamp = new DateTimeOffset(reader.GetInt64(at), TimeSpan.Zero),
        Kind = (TelemetryEventKind)reader.GetInt32(at + 1),
        AgentId = reader.IsDBNull(at + 2) ? null : reader.GetString(at + 2),
        TaskId = reader.IsDBNull(at + 3) ? null : reader.GetString(at + 3),
        Name = reader.IsDBNull(at + 4) ? null : reader.GetString(at + 4),
        Reason = reader.IsDBNull(at + 5) ? null : reader.GetString(at + 5),
        Detail = reader.IsDBNull(at + 6) ? null : reader.GetString(at + 6),
        Value = reader.GetDouble(at + 7),
        Count = reader.GetInt64(at + 8),
        Outcome = (TaskOutcome)reader.GetInt32(at + 9),
    };

    private static byte[] ReadBlob(SqliteDataReader reader, int ordinal) => (byte[])reader.GetValue(ordinal);

    /// <summary>Prepares a read command once; queries reuse it under the read gate (no per-query parse or allocation of the command).</summary>
    private SqliteCommand PrepareRead(string sql, params string[] parameters)
    {
        var cmd = _read.CreateCommand();
        cmd.CommandText = sql;
        foreach (string name in parameters)
        {
            cmd.Parameters.Add(new SqliteParameter(name, null));
        }

        return cmd;
    }

    internal static SqliteConnection OpenConnection(string telemetryPath, string? auditPath, SqliteTelemetryOptions options, bool readOnly)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = telemetryPath,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds};");
            if (auditPath is not null)
            {
                using var attach = connection.CreateCommand();
                attach.CommandText = "ATTACH DATABASE $path AS audit;";
                attach.Parameters.AddWithValue("$path", auditPath);
                attach.ExecuteNonQuery();
            }

            if (!readOnly)
            {
                bool fresh = Scalar(connection, "SELECT count(*) FROM main.sqlite_master") == 0;
                if (fresh)
                {
                    // Must precede the first table; lets size retention give pages back to the file system.
                    Execute(connection, "PRAGMA main.auto_vacuum = INCREMENTAL;");
                }

                string sync = options.Synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL";
                foreach (string schema in auditPath is null ? ["main"] : new[] { "main", "audit" })
                {
                    using var cmd = connection.CreateCommand();
                    cmd.CommandText = $"PRAGMA {schema}.journal_mode = WAL;";
                    string? mode = cmd.ExecuteScalar() as string;
                    if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                    {
                        throw new TelemetryStoreException($"SQLite refused WAL mode for {schema} in {telemetryPath} (got '{mode}').");
                    }

                    // A 64 MiB page cache per database keeps the index pages of the growing tables in memory.
                    Execute(connection, $"PRAGMA {schema}.synchronous = {sync}; PRAGMA {schema}.journal_size_limit = 67108864; PRAGMA {schema}.cache_size = -65536;");
                }
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    internal static long Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static string NewerSchema(string path, int version) =>
        $"The telemetry database {path} has schema version {version}, newer than this TaskExecKit.Sqlite understands ({SchemaVersion}). It was left untouched; upgrade TaskExecKit.Sqlite or use another runtime directory.";

    private static int ReadVersion(SqliteConnection connection, string schema)
    {
        if (Scalar(connection, $"SELECT count(*) FROM {schema}.sqlite_master WHERE type = 'table' AND name = 'schema_version'") == 0)
        {
            return 0;
        }

        return (int)Scalar(connection, $"SELECT coalesce(max(version), 0) FROM {schema}.schema_version");
    }

    private static void Migrate(SqliteConnection connection, string telemetryPath)
    {
        using var tx = connection.BeginTransaction(IsolationLevel.Serializable, deferred: false); // BEGIN IMMEDIATE
        foreach (string schema in new[] { "main", "audit" })
        {
            int target = schema == "main" ? SchemaVersion : AuditSchemaVersion;
            int version = ReadVersion(connection, schema);
            if (version > target)
            {
                throw new TelemetryStoreException(NewerSchema(telemetryPath, version));
            }

            if (version == 0 && Scalar(connection, $"SELECT count(*) FROM {schema}.sqlite_master") != 0)
            {
                throw new TelemetryStoreException($"The {schema} database next to {telemetryPath} holds tables that are not TaskExecKit's; it was left untouched.");
            }

            for (int v = version + 1; v <= target; v++)
            {
                foreach (string sql in Migrations(schema, v))
                {
                    using var cmd = connection.CreateCommand();
                    cmd.Transaction = tx;
                    cmd.CommandText = sql;
                    cmd.ExecuteNonQuery();
                }

                if ((schema, v) == ("main", 2))
                {
                    FillOverallRollups(connection, tx);
                }

                using var stamp = connection.CreateCommand();
                stamp.Transaction = tx;
                stamp.CommandText = $"DELETE FROM {schema}.schema_version; INSERT INTO {schema}.schema_version(version) VALUES ({v});";
                stamp.ExecuteNonQuery();
            }
        }

        tx.Commit();
    }

    private static IEnumerable<string> Migrations(string schema, int version) => (schema, version) switch
    {
        ("main", 1) =>
        [
            "CREATE TABLE main.schema_version (version INTEGER NOT NULL)",
            "CREATE TABLE main.events (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind INTEGER NOT NULL, agent_id TEXT, task_id TEXT, name TEXT, reason TEXT, detail TEXT, value REAL NOT NULL, count INTEGER NOT NULL, outcome INTEGER NOT NULL)",
            "CREATE INDEX main.ix_events_ts ON events (ts)",
            "CREATE INDEX main.ix_events_agent_ts ON events (agent_id, ts)",
            "CREATE TABLE main.rollups (minute INTEGER NOT NULL, agent_id TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (minute, agent_id)) WITHOUT ROWID",
        ],
        ("main", 2) =>
        [
            // Rollups keyed by (agent, minute) so one agent's range is contiguous; a minute index serves all-agents
            // reads; rollups_all holds one all-agents row per minute (filled from the existing rows).
            "CREATE TABLE main.rollups_v2 (agent_id TEXT NOT NULL, minute INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (agent_id, minute)) WITHOUT ROWID",
            "INSERT INTO main.rollups_v2 (agent_id, minute, data) SELECT agent_id, minute, data FROM main.rollups",
            "DROP TABLE main.rollups",
            "ALTER TABLE main.rollups_v2 RENAME TO rollups",
            "CREATE INDEX main.ix_rollups_minute ON rollups (minute)",
            "CREATE TABLE main.rollups_all (minute INTEGER PRIMARY KEY, data BLOB NOT NULL)",
        ],
        ("main", 3) =>
        [
            // The newest events of some kinds (decisions, alerts, kill switches) are an index range per kind, not a
            // walk over every event of the range.
            "CREATE INDEX main.ix_events_kind_ts ON events (kind, ts)",
        ],
        ("audit", 1) =>
        [
            "CREATE TABLE audit.schema_version (version INTEGER NOT NULL)",
            "CREATE TABLE audit.audit (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind INTEGER NOT NULL, agent_id TEXT, task_id TEXT, name TEXT, reason TEXT, detail TEXT, value REAL NOT NULL, count INTEGER NOT NULL, outcome INTEGER NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL)",
            "CREATE INDEX audit.ix_audit_ts ON audit (ts)",
        ],
        _ => throw new InvalidOperationException($"No migration to version {version} of {schema}."),
    };

    private static void FillOverallRollups(SqliteConnection connection, SqliteTransaction tx)
    {
        var overall = new SortedDictionary<long, MinuteRollup>();
        using (var read = connection.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT minute, agent_id, data FROM main.rollups";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                long minute = reader.GetInt64(0);
                var at = new DateTimeOffset(minute, TimeSpan.Zero);
                if (!overall.TryGetValue(minute, out var sum))
                {
                    overall[minute] = sum = new MinuteRollup(at, OverallAgentId);
                }

                sum.Merge(MinuteRollup.FromBytes(at, reader.GetString(1), ReadBlob(reader, 2)));
            }
        }

        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO main.rollups_all (minute, data) VALUES ($minute, $data)";
        var minuteParameter = insert.Parameters.Add("$minute", SqliteType.Integer);
        var dataParameter = insert.Parameters.Add("$data", SqliteType.Blob);
        foreach (var (minute, rollup) in overall)
        {
            minuteParameter.Value = minute;
            dataParameter.Value = rollup.ToBytes();
            insert.ExecuteNonQuery();
        }
    }

    private static FileStream AcquireWriterLock(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new TelemetryStoreException($"Another process (or telemetry system) is writing to {Path.GetDirectoryName(path)}; only one writer may use a runtime directory at a time.", isTransient: true, ex);
        }
    }

    private static void CheckHeader(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0)
        {
            return;
        }

        Span<byte> header = stackalloc byte[16];
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            if (stream.ReadAtLeast(header, 16, throwOnEndOfStream: false) < 16 || !header.SequenceEqual("SQLite format 3\0"u8))
            {
                throw new TelemetryStoreException($"{path} is not a SQLite database (corrupted or another file); it was left untouched. Move it away to start a new one.");
            }
        }
    }

    private void LoadChainTip()
    {
        using (var cmd = _read.CreateCommand())
        {
            cmd.CommandText = "SELECT seq, hash FROM audit.audit ORDER BY seq DESC LIMIT 1";
            using var reader = cmd.ExecuteReader();
            if (reader.Read())
            {
                _lastSeq = reader.GetInt64(0);
                _lastHash = (byte[])reader.GetValue(1);
            }
        }

        var head = AuditChain.ReadHead(HeadPath);
        if (head is null)
        {
            if (_lastSeq > 0)
            {
                throw new TelemetryStoreException($"The audit trail in {AuditPath} has {_lastSeq} rows but its chain head {HeadPath} is missing; nothing was changed. Restore the head file (or point AuditHeadPath at it) and run 'task-exec-kit monitor audit --verify'.");
            }

            return;
        }

        var (headSeq, headHash) = head.Value;
        if (headSeq > _lastSeq)
        {
            throw new TelemetryStoreException($"The audit trail in {AuditPath} ends at row {_lastSeq} but its chain head {HeadPath} records row {headSeq}: the audit database was truncated or replaced. It was left untouched; run 'task-exec-kit monitor audit --verify'.");
        }

        if (headSeq > 0)
        {
            using var cmd = _read.CreateCommand();
            cmd.CommandText = "SELECT hash FROM audit.audit WHERE seq = $seq";
            cmd.Parameters.AddWithValue("$seq", headSeq);
            if (cmd.ExecuteScalar() is not byte[] stored || !stored.AsSpan().SequenceEqual(headHash))
            {
                throw new TelemetryStoreException($"Row {headSeq} of the audit trail in {AuditPath} does not match its chain head {HeadPath}: the audit database was rewritten. It was left untouched; run 'task-exec-kit monitor audit --verify'.");
            }
        }

        if (_lastSeq > headSeq)
        {
            // A crash between a commit and the head update: the rows chain from the head, so move the head forward.
            AuditChain.WriteHead(HeadPath, _lastSeq, _lastHash);
        }
    }

    private void Prepare()
    {
        _insertEvent = new RawEventInsert(_write!, $"INSERT INTO events ({EventColumns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        _insertAudit = new RawEventInsert(_write!, $"INSERT INTO audit.audit (seq, {EventColumns}, prev_hash, hash) VALUES (?11, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12, ?13)");
        _selectRollup = _write!.CreateCommand();
        _selectRollup.CommandText = "SELECT data FROM rollups WHERE minute = $minute AND agent_id = $agent";
        _selectRollup.Parameters.Add("$minute", SqliteType.Integer);
        _selectRollup.Parameters.Add("$agent", SqliteType.Text);
        _upsertRollup = _write.CreateCommand();
        _upsertRollup.CommandText = "INSERT OR REPLACE INTO rollups (minute, agent_id, data) VALUES ($minute, $agent, $data)";
        _upsertRollup.Parameters.Add("$minute", SqliteType.Integer);
        _upsertRollup.Parameters.Add("$agent", SqliteType.Text);
        _upsertRollup.Parameters.Add("$data", SqliteType.Blob);
        _selectOverall = _write.CreateCommand();
        _selectOverall.CommandText = "SELECT data FROM rollups_all WHERE minute = $minute";
        _selectOverall.Parameters.Add("$minute", SqliteType.Integer);
        _upsertOverall = _write.CreateCommand();
        _upsertOverall.CommandText = "INSERT OR REPLACE INTO rollups_all (minute, data) VALUES ($minute, $data)";
        _upsertOverall.Parameters.Add("$minute", SqliteType.Integer);
        _upsertOverall.Parameters.Add("$data", SqliteType.Blob);
    }
}
