using TaskExecKit.Sqlite;

namespace TaskExecKit;

/// <summary>Adds SQLite storage to TaskExecKit.</summary>
public static class SqliteTaskExecKitBuilderExtensions
{
    /// <summary>
    /// Keeps telemetry and the audit trail in SQLite under <c>database/</c> of <paramref name="runtimeDirectory"/>:
    /// <c>services.AddTaskExecKit(b =&gt; b.UseSqlite("runtime"))</c>.
    /// </summary>
    /// <param name="builder">The TaskExecKit builder.</param>
    /// <param name="runtimeDirectory">The runtime directory (relative to the current directory unless rooted).</param>
    /// <param name="configure">Changes the store options.</param>
    /// <returns>The builder.</returns>
    public static TaskExecKitBuilder UseSqlite(this TaskExecKitBuilder builder, string runtimeDirectory, Action<SqliteTelemetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeDirectory);
        var options = new SqliteTelemetryOptions();
        configure?.Invoke(options);
        return builder.UseTelemetryStore(new SqliteTelemetryStoreFactory(options), runtimeDirectory);
    }
}
