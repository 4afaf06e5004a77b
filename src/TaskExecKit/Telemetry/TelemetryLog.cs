using Microsoft.Extensions.Logging;

namespace TaskExecKit.Telemetry;

internal static partial class TelemetryLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Telemetry store: {Store}")]
    internal static partial void StoreSelected(ILogger logger, string store);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "The telemetry store failed to write {Count} events; they are counted as dropped")]
    internal static partial void StoreWriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Writing the JSON-lines telemetry log failed")]
    internal static partial void JsonLogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning, Message = "The alert webhook {Url} failed: {Problem}")]
    internal static partial void WebhookFailed(ILogger logger, string url, string problem, Exception? exception);
}
