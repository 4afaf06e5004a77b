using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TaskExecKit.Effects;

namespace TaskExecKit.Telemetry;

/// <summary>
/// Posts alert events to the configured webhook, off the writer: a bounded queue (newest dropped when 256 wait) and
/// one sender. Each post is a network effect checked against the webhook policy and audited through the telemetry
/// system (performed or denied); a denied post is not sent.
/// </summary>
internal sealed class AlertWebhook : IAsyncDisposable
{
    private readonly Uri _url;
    private readonly Capability _capability;
    private readonly EffectPolicy? _policy;
    private readonly TelemetrySystem _telemetry;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Channel<TelemetryEvent> _queue = Channel.CreateBounded<TelemetryEvent>(new BoundedChannelOptions(256)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly Task _sender;

    internal AlertWebhook(TelemetryAlertOptions options, TelemetrySystem telemetry, ILogger logger)
    {
        _url = options.Webhook!;
        _capability = Capability.Network(_url.Host, _url.Port);
        _policy = options.WebhookPolicy;
        _telemetry = telemetry;
        _logger = logger;
        _http = new HttpClient { Timeout = options.WebhookTimeout };
        _sender = Task.Run(SendAllAsync);
    }

    internal void Enqueue(in TelemetryEvent alert) => _queue.Writer.TryWrite(alert);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _sender.ConfigureAwait(false);
        _http.Dispose();
    }

    internal static byte[] Payload(in TelemetryEvent alert)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("kind", alert.Kind == TelemetryEventKind.AlertRaised ? "alert_raised" : "alert_cleared");
            json.WriteString("alert", alert.Name);
            json.WriteString("agent", alert.AgentId);
            json.WriteNumber("value", alert.Value);
            json.WriteString("threshold", alert.Detail);
            json.WriteNumber("tasks", alert.Count);
            json.WriteString("reason", alert.Reason);
            json.WriteString("time", alert.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private async Task SendAllAsync()
    {
        await foreach (var alert in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            string target = _url.GetLeftPart(UriPartial.Path);
            if (_policy is null || !_policy.Check(_capability))
            {
                _telemetry.RecordEffect(_capability.ToString(), target, allowed: false,
                    reason: $"alert webhook not sent: {_capability} is not granted (TelemetryOptions.Alerts.WebhookPolicy)");
                continue;
            }

            _telemetry.RecordEffect(_capability.ToString(), target, allowed: true, reason: "alert webhook " + alert.Name);
            try
            {
                using var content = new ByteArrayContent(Payload(alert));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await _http.PostAsync(_url, content).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    TelemetryLog.WebhookFailed(_logger, target, $"HTTP {(int)response.StatusCode}", null);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                TelemetryLog.WebhookFailed(_logger, target, ex.Message, ex);
            }
        }
    }
}
