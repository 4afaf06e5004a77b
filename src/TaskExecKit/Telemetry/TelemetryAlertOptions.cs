using TaskExecKit.Configuration;

namespace TaskExecKit.Telemetry;

/// <summary>
/// When a <see cref="TelemetrySystem"/> raises alerts: thresholds on the failure rate and the 95th-percentile
/// duration of the last <see cref="WindowSize"/> finished tasks, per agent and overall. Off by default.
/// </summary>
public sealed class TelemetryAlertOptions
{
    /// <summary>Gets or sets a value indicating whether alerts are evaluated. Off by default.</summary>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets the share of failed tasks, from 0 to 1, above which an alert is raised. Defaults to 0.2.</summary>
    public double FailureRate { get; set; } = 0.2;

    /// <summary>Gets or sets the 95th-percentile task duration above which an alert is raised. Defaults to 30 seconds.</summary>
    public TimeSpan P95Latency { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how many of the most recent finished tasks are evaluated, per agent and overall (1 to 100,000). Defaults to 100.</summary>
    public int WindowSize { get; set; } = 100;

    /// <summary>
    /// Gets or sets how many finished tasks the window must hold before anything is evaluated, so that one failure
    /// of one task does not raise an alert (1 to <see cref="WindowSize"/>). Defaults to 20.
    /// </summary>
    public int MinimumSamples { get; set; } = 20;

    /// <summary>Turns alerts on with the thresholds of <c>telemetry.toml</c> (<see cref="TelemetrySettings.Alerts"/>).</summary>
    /// <param name="thresholds">The configured thresholds.</param>
    public void UseThresholds(TelemetryAlerts thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        Enabled = true;
        FailureRate = thresholds.FailureRate;
        P95Latency = thresholds.P95Latency;
        Webhook = thresholds.Webhook;
    }

    /// <summary>
    /// Gets or sets the URL each <see cref="TelemetryEventKind.AlertRaised"/> and <see cref="TelemetryEventKind.AlertCleared"/>
    /// event is POSTed to as JSON, or null (the default) for none. Posting is a network effect: see <see cref="WebhookPolicy"/>.
    /// </summary>
    public Uri? Webhook { get; set; }

    /// <summary>
    /// Gets or sets the policy that must grant the webhook's host and port (<c>net:host:port</c>) before anything is sent.
    /// Null (the default) denies. Each notification is audited: an <see cref="TelemetryEventKind.EffectPerformed"/> when sent,
    /// an <see cref="TelemetryEventKind.EffectDenied"/> (and nothing sent) when not granted.
    /// </summary>
    public Effects.EffectPolicy? WebhookPolicy { get; set; }

    /// <summary>Gets or sets how long one webhook request may take (5 seconds by default).</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        if (!Enabled)
        {
            return;
        }

        if (double.IsNaN(FailureRate) || FailureRate < 0 || FailureRate > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(FailureRate), FailureRate, $"TelemetryOptions.Alerts.FailureRate must be between 0 and 1, not {FailureRate}.");
        }

        if (P95Latency <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(P95Latency), P95Latency, $"TelemetryOptions.Alerts.P95Latency must be positive, not {P95Latency}.");
        }

        if (Webhook is { } hook && (!hook.IsAbsoluteUri || (hook.Scheme != Uri.UriSchemeHttp && hook.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"TelemetryOptions.Alerts.Webhook must be an absolute http or https URL, not '{hook}'.", nameof(Webhook));
        }

        if (WebhookTimeout <= TimeSpan.Zero || WebhookTimeout > TimeSpan.FromMinutes(5))
        {
            throw new ArgumentOutOfRangeException(nameof(WebhookTimeout), WebhookTimeout, $"TelemetryOptions.Alerts.WebhookTimeout must be above zero and at most 5 minutes, not {WebhookTimeout}.");
        }

        if (WindowSize is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(WindowSize), WindowSize, $"TelemetryOptions.Alerts.WindowSize must be between 1 and 100000, not {WindowSize}.");
        }

        if (MinimumSamples < 1 || MinimumSamples > WindowSize)
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumSamples), MinimumSamples, $"TelemetryOptions.Alerts.MinimumSamples must be between 1 and WindowSize ({WindowSize}), not {MinimumSamples}.");
        }
    }
}
