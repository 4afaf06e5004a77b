using TaskExecKit.Telemetry;

namespace TaskExecKit.Dashboard;

/// <summary>
/// What the dashboard shows and how it protects its control actions. Set them in
/// <see cref="TaskExecKitDashboardExtensions.AddTaskExecKitDashboard"/>.
/// </summary>
public sealed class DashboardOptions
{
    /// <summary>Gets or sets the runtime directory (its <c>database/</c> and <c>state/</c>); default <c>runtime</c>.</summary>
    public string RuntimeDirectory { get; set; } = "runtime";

    /// <summary>Gets or sets the folder the executor writes run evidence to (<c>&lt;runs&gt;/&lt;run id&gt;/run.json</c>); default <c>runs</c>.</summary>
    public string RunsDirectory { get; set; } = "runs";

    /// <summary>
    /// Gets or sets the access token control actions (and reads from other machines) need. When null, one is
    /// generated on first start, handed once to <see cref="TokenGenerated"/>, and only its SHA-256 hash is
    /// kept, in <c>&lt;runtime&gt;/state/dashboard.token.sha256</c>. A configured token must have at least 16 characters.
    /// </summary>
    public string? AccessToken { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether reads need the token even from the loopback address. Reads from any
    /// other address always need it.
    /// </summary>
    public bool RequireTokenForReads { get; set; }

    /// <summary>
    /// Gets or sets the host's telemetry system. When set, the dashboard reads through it and audits its control
    /// actions into it; when null, it opens the runtime directory's SQLite store read-only and opens it for writing
    /// only for the moment an action is audited.
    /// </summary>
    public TelemetrySystem? Telemetry { get; set; }

    /// <summary>
    /// Gets or sets what receives a newly generated token, once. When null the token is written to standard error.
    /// Never log it.
    /// </summary>
    public Action<string>? TokenGenerated { get; set; }

    /// <summary>Gets or sets how often the server looks for changes in the runs folder and the databases; default 250 ms.</summary>
    public TimeSpan ChangeCheckInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets or sets the most runs listed, newest first; default 50.</summary>
    public int MaxRuns { get; set; } = 50;

    /// <summary>Gets or sets the clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(RuntimeDirectory))
        {
            throw new ArgumentException("DashboardOptions.RuntimeDirectory must name a folder.", nameof(RuntimeDirectory));
        }

        if (string.IsNullOrWhiteSpace(RunsDirectory))
        {
            throw new ArgumentException("DashboardOptions.RunsDirectory must name a folder.", nameof(RunsDirectory));
        }

        if (AccessToken is { Length: < 16 })
        {
            throw new ArgumentException("DashboardOptions.AccessToken must have at least 16 characters.", nameof(AccessToken));
        }

        if (ChangeCheckInterval < TimeSpan.FromMilliseconds(10) || ChangeCheckInterval > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(ChangeCheckInterval), ChangeCheckInterval, "DashboardOptions.ChangeCheckInterval must be between 10 ms and 1 s (changes must show within a second).");
        }

        if (MaxRuns is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRuns), MaxRuns, "DashboardOptions.MaxRuns must be between 1 and 10000.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
