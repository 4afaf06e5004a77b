using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace TaskExecKit.Telemetry;

/// <summary>How a <see cref="TelemetrySystem"/> records, where it keeps what it records, and what it redacts.</summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Gets or sets the runtime directory (relative paths are resolved against the current
    /// directory). Its <c>database/</c>, <c>logs/</c>, <c>state/</c> and <c>cache/</c> are created on first use.
    /// </summary>
    public string RuntimeDirectory { get; set; } = "runtime";

    /// <summary>
    /// Gets or sets the store. When null, the SQLite store of the <c>TaskExecKit.Sqlite</c> package is
    /// used if that package is referenced (and <see cref="DiscoverStore"/> is true), otherwise a bounded in-memory store.
    /// </summary>
    public ITelemetryStoreFactory? Store { get; set; }

    /// <summary>Gets or sets a value indicating whether to look for the SQLite satellite when <see cref="Store"/> is null.</summary>
    public bool DiscoverStore { get; set; } = true;

    /// <summary>Gets or sets how many events wait between recording and the store; beyond it events are dropped and counted (64 to 16M; rounded up to a power of two).</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>Gets or sets the most events written to the store in one batch (1 to 100,000).</summary>
    public int BatchSize { get; set; } = 4_096;

    /// <summary>Gets or sets how many events and audit entries the in-memory store keeps (16 to 10M).</summary>
    public int InMemoryCapacity { get; set; } = 100_000;

    /// <summary>Gets or sets a value indicating whether redacted events are also written as JSON lines under <c>logs/</c>.</summary>
    public bool WriteJsonLogs { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether measurements of <c>taskexeckit.*</c> instruments that other
    /// components publish on the <c>TaskExecKit</c> meter are persisted as <see cref="TelemetryEventKind.Metric"/> events.
    /// </summary>
    public bool PersistInstrumentMeasurements { get; set; } = true;

    /// <summary>Gets how the JSON-lines logs are rotated and how long they are kept.</summary>
    public TelemetryLogOptions Logs { get; } = new();

    /// <summary>Gets what is removed before anything is persisted.</summary>
    public TelemetryRedactionOptions Redaction { get; } = new();

    /// <summary>Gets when alerts are raised (off by default; see <see cref="TelemetryAlertOptions.UseThresholds"/>).</summary>
    public TelemetryAlertOptions Alerts { get; } = new();

    /// <summary>Gets or sets the clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the meter factory (from DI); when null the system owns its <c>TaskExecKit</c> meter.</summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Gets or sets where the system logs its own problems (a store that failed to write).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(RuntimeDirectory))
        {
            throw new ArgumentException("TelemetryOptions.RuntimeDirectory must name a directory.", nameof(RuntimeDirectory));
        }

        Check(QueueCapacity, 64, 16 * 1024 * 1024, nameof(QueueCapacity));
        Check(BatchSize, 1, 100_000, nameof(BatchSize));
        Check(InMemoryCapacity, 16, 10_000_000, nameof(InMemoryCapacity));
        if (TimeProvider is null)
        {
            throw new ArgumentException("TelemetryOptions.TimeProvider must not be null.", nameof(TimeProvider));
        }

        Redaction.Validate();
        Alerts.Validate();
        Logs.Validate();
    }

    private static void Check(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"TelemetryOptions.{name} must be between {min} and {max}, not {value}.");
        }
    }
}

/// <summary>
/// Rotation and retention of the JSON-lines logs under <c>logs/</c>: a file per folder and UTC day,
/// <c>telemetry-YYYY-MM-DD.jsonl</c>, continued in <c>telemetry-YYYY-MM-DD.1.jsonl</c>, <c>.2.jsonl</c> ... once
/// it reaches <see cref="MaxFileBytes"/>; whole files are deleted by age and by total size.
/// </summary>
public sealed class TelemetryLogOptions
{
    /// <summary>Gets or sets the size at which a log file is closed and the next one started (64 MiB by default; null: one file per day).</summary>
    public long? MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Gets or sets how long log files are kept, by the day in their name (14 days by default; null: no limit).</summary>
    public TimeSpan? RetentionAge { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Gets or sets the most bytes all log files together may use; the oldest are deleted first (1 GiB by default; null: no limit).</summary>
    public long? MaxTotalBytes { get; set; } = 1024L * 1024 * 1024;

    internal void Validate()
    {
        if (MaxFileBytes is < 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), MaxFileBytes, $"TelemetryOptions.Logs.MaxFileBytes must be at least 4096, not {MaxFileBytes}.");
        }

        if (RetentionAge is { } age && age < TimeSpan.FromDays(1))
        {
            throw new ArgumentOutOfRangeException(nameof(RetentionAge), age, $"TelemetryOptions.Logs.RetentionAge must be at least one day (files are per day), not {age}.");
        }

        if (MaxTotalBytes is < 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTotalBytes), MaxTotalBytes, $"TelemetryOptions.Logs.MaxTotalBytes must be at least 4096, not {MaxTotalBytes}.");
        }
    }
}

/// <summary>What is removed from events before anything is persisted or logged.</summary>
public sealed class TelemetryRedactionOptions
{
    /// <summary>Gets the names of environment variables whose values are secrets (for example those granted to agents).</summary>
    public IList<string> SecretEnvironmentVariables { get; } = [];

    /// <summary>Gets literal secret values to remove.</summary>
    public IList<string> SecretValues { get; } = [];

    /// <summary>Gets extra regular expressions whose matches are removed.</summary>
    public IList<string> Patterns { get; } = [];

    /// <summary>
    /// Gets or sets a value indicating whether the values of environment variables whose names look secret
    /// (containing KEY, TOKEN, SECRET, PASSWORD or CREDENTIAL) are removed too. On by default.
    /// </summary>
    public bool SecretLookingEnvironmentVariables { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether prompt and response text of model calls is kept. Off by default.</summary>
    public bool CaptureModelText { get; set; }

    internal void Validate()
    {
        foreach (string pattern in Patterns)
        {
            try
            {
                _ = new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"TelemetryOptions.Redaction.Patterns has an invalid regular expression '{pattern}': {ex.Message}", nameof(Patterns), ex);
            }
        }
    }
}
