using TaskExecKit.Telemetry;

namespace TaskExecKit.Sqlite;

/// <summary>
/// Opens the SQLite telemetry store under <c>database/</c> of the runtime directory:
/// <c>telemetry.db</c> (events, minute rollups) and <c>audit.db</c> (the hash-chained audit trail).
/// A <see cref="TelemetrySystem"/> created without a store finds this factory by name when the package is referenced.
/// </summary>
public sealed class SqliteTelemetryStoreFactory : ITelemetryStoreFactory
{
    private readonly SqliteTelemetryOptions _options;

    /// <summary>Creates the factory with default options (WAL, synchronous NORMAL, 30 days / 1 GiB retention).</summary>
    public SqliteTelemetryStoreFactory()
        : this(new SqliteTelemetryOptions())
    {
    }

    /// <summary>Creates the factory.</summary>
    /// <param name="options">The store options; they are validated and copied.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public SqliteTelemetryStoreFactory(SqliteTelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validated();
    }

    /// <inheritdoc />
    public ITelemetryStore Create(TelemetryStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SqliteTelemetryStore.Open(context.RuntimeDirectory, _options, context.TimeProvider);
    }
}
