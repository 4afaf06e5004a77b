namespace TaskExecKit.Configuration;

/// <summary>
/// What the engine records about runs and where. Read from <c>telemetry.toml</c> (or a
/// <c>[telemetry]</c> table). Immutable once loaded.
/// </summary>
public sealed class TelemetrySettings
{
    internal TelemetrySettings()
    {
    }

    /// <summary>Gets a value indicating whether telemetry is recorded (<c>enabled</c>). Defaults to <see langword="true"/>.</summary>
    public bool Enabled { get; internal set; } = true;

    /// <summary>Gets where telemetry is stored (<c>storage</c>). Defaults to <see cref="TelemetryStorage.Sqlite"/>.</summary>
    public TelemetryStorage Storage { get; internal set; } = TelemetryStorage.Sqlite;

    /// <summary>
    /// Gets the folder of the telemetry databases (<c>database_dir</c>), as written in the configuration.
    /// Defaults to <c>runtime/database</c>.
    /// </summary>
    public string DatabaseDirectory { get; internal set; } = "runtime/database";

    /// <summary>
    /// Gets a value indicating whether prompts and model responses are recorded (<c>capture_prompts</c>).
    /// They may hold sensitive data, so this defaults to <see langword="false"/>.
    /// </summary>
    public bool CapturePrompts { get; internal set; }

    /// <summary>Gets how long telemetry is kept (<c>retention</c>). Defaults to 30 days (<c>720h</c>).</summary>
    public TimeSpan Retention { get; internal set; } = TimeSpan.FromDays(30);

    /// <summary>Gets the alert thresholds (the <c>[alerts]</c> table).</summary>
    public TelemetryAlerts Alerts { get; } = new();
}

/// <summary>Where telemetry is stored.</summary>
public enum TelemetryStorage
{
    /// <summary>SQLite database files under <see cref="TelemetrySettings.DatabaseDirectory"/> (<c>"sqlite"</c>).</summary>
    Sqlite,

    /// <summary>In memory only, lost when the process ends (<c>"memory"</c>).</summary>
    Memory,
}

/// <summary>Thresholds that raise an alert. Read from the <c>[alerts]</c> table of <c>telemetry.toml</c>.</summary>
public sealed class TelemetryAlerts
{
    internal TelemetryAlerts()
    {
    }

    /// <summary>
    /// Gets the share of failed tasks, from 0 to 1, above which an alert is raised (<c>failure_rate</c>).
    /// Defaults to 0.2.
    /// </summary>
    public double FailureRate { get; internal set; } = 0.2;

    /// <summary>
    /// Gets the 95th-percentile task duration above which an alert is raised (<c>p95_latency</c>).
    /// Defaults to 30 seconds.
    /// </summary>
    public TimeSpan P95Latency { get; internal set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets the URL each raised or cleared alert is POSTed to as JSON (<c>webhook</c>), or null. Sending is a network
    /// effect: it happens only when the policy given to <see cref="Telemetry.TelemetryAlertOptions.WebhookPolicy"/> grants
    /// <c>net:host:port</c>; otherwise it is denied and audited.
    /// </summary>
    public Uri? Webhook { get; internal set; }
}
