namespace TaskExecKit.Sqlite;

/// <summary>How SQLite commits: <c>PRAGMA synchronous</c>.</summary>
public enum SqliteSynchronous
{
    /// <summary>NORMAL: in WAL mode a power loss may lose the last commits but never corrupts the database. The default.</summary>
    Normal = 1,

    /// <summary>FULL: every commit is on disk before it returns; slower.</summary>
    Full = 2,
}

/// <summary>Options of the SQLite telemetry store.</summary>
public sealed class SqliteTelemetryOptions
{
    /// <summary>Gets or sets <c>PRAGMA synchronous</c>; NORMAL by default, FULL on request.</summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Normal;

    /// <summary>Gets or sets how long to wait for a lock held by another connection before failing (0 to 10 minutes).</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long events and rollups are kept; null keeps them forever. Audit rows are never removed.</summary>
    public TimeSpan? RetentionAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets the size above which the oldest events are removed from telemetry.db; null for no limit (at least 1 MiB).</summary>
    public long? MaxDatabaseBytes { get; set; } = 1L << 30;

    /// <summary>Gets or sets how often retention runs (at least one second).</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets where the audit chain head is written; it must be outside the database directory so that
    /// truncating or replacing the databases is detected. Default: <c>state/audit.head</c> under the runtime directory.
    /// </summary>
    public string? AuditHeadPath { get; set; }

    /// <summary>Gets or sets a value indicating whether to open existing databases for reading only (for tools such as the CLI).</summary>
    public bool ReadOnly { get; set; }

    internal SqliteTelemetryOptions Validated()
    {
        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "SqliteTelemetryOptions.BusyTimeout must be between 0 and 10 minutes.");
        }

        if (RetentionAge is { } age && age <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RetentionAge), age, "SqliteTelemetryOptions.RetentionAge must be positive (or null to keep everything).");
        }

        if (MaxDatabaseBytes is { } max && max < 1 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDatabaseBytes), max, "SqliteTelemetryOptions.MaxDatabaseBytes must be at least 1 MiB (or null for no limit).");
        }

        if (RetentionInterval < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(RetentionInterval), RetentionInterval, "SqliteTelemetryOptions.RetentionInterval must be at least one second.");
        }

        if (!Enum.IsDefined(Synchronous))
        {
            throw new ArgumentOutOfRangeException(nameof(Synchronous), Synchronous, "SqliteTelemetryOptions.Synchronous must be Normal or Full.");
        }

        return new SqliteTelemetryOptions
        {
            Synchronous = Synchronous,
            BusyTimeout = BusyTimeout,
            RetentionAge = RetentionAge,
            MaxDatabaseBytes = MaxDatabaseBytes,
            RetentionInterval = RetentionInterval,
            AuditHeadPath = AuditHeadPath,
            ReadOnly = ReadOnly,
        };
    }
}
