using System.Globalization;
using System.Text.Json;

namespace TaskExecKit.Telemetry;

/// <summary>
/// Writes redacted events as JSON lines: agent events to <c>logs/agents/</c>, decisions, limits and
/// kill switches to <c>logs/autonomous/</c>, everything else to <c>logs/system/</c>; one file per UTC day.
/// </summary>
internal sealed class JsonLinesLog : IDisposable
{
    private readonly string _root;
    private readonly Dictionary<string, (string Day, FileStream Stream)> _open = new(StringComparer.Ordinal);
    private readonly MemoryStream _buffer = new();

    internal JsonLinesLog(string runtimeRoot) => _root = Path.Combine(runtimeRoot, "logs");

    internal void Write(ReadOnlySpan<TelemetryEvent> batch)
    {
        foreach (string folder in (ReadOnlySpan<string>)["autonomous", "agents", "system"])
        {
            _buffer.SetLength(0);
            string? day = null;
            using (var json = new Utf8JsonWriter(_buffer))
            {
                foreach (ref readonly var e in batch)
                {
                    if (FolderOf(e) != folder)
                    {
                        continue;
                    }

                    string eventDay = e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                    if (day is not null && day != eventDay)
                    {
                        json.Flush();
                        Append(folder, day);
                        _buffer.SetLength(0);
                        json.Reset(_buffer);
                    }

                    day = eventDay;
                    WriteEvent(json, e);
                    json.Flush();
                    _buffer.WriteByte((byte)'\n');
                    json.Reset(_buffer);
                }
            }

            if (day is not null)
            {
                Append(folder, day);
            }
        }

        foreach (var (_, stream) in _open.Values)
        {
            stream.Flush();
        }
    }

    private static string FolderOf(in TelemetryEvent e) => e.Kind switch
    {
        TelemetryEventKind.Decision or TelemetryEventKind.LimitHit or TelemetryEventKind.KillSwitch => "autonomous",
        _ when e.AgentId is not null => "agents",
        _ => "system",
    };

    private static void WriteEvent(Utf8JsonWriter json, in TelemetryEvent e)
    {
        json.WriteStartObject();
        json.WriteString("ts", e.Timestamp.UtcDateTime);
        json.WriteString("kind", e.Kind.ToString());
        WriteOptional(json, "agent", e.AgentId);
        WriteOptional(json, "task", e.TaskId);
        WriteOptional(json, "name", e.Name);
        WriteOptional(json, "reason", e.Reason);
        WriteOptional(json, "detail", e.Detail);
        if (e.Value != 0 && double.IsFinite(e.Value))
        {
            json.WriteNumber("value", e.Value);
        }

        if (e.Count != 0)
        {
            json.WriteNumber("count", e.Count);
        }

        if (e.Outcome != TaskOutcome.None)
        {
            json.WriteString("outcome", TelemetryInstruments.OutcomeTag(e.Outcome));
        }

        json.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private void Append(string folder, string day)
    {
        if (!_open.TryGetValue(folder, out var file) || file.Day != day)
        {
            file.Stream?.Dispose();
            string path = Path.Combine(_root, folder, $"telemetry-{day}.jsonl");
            file = (day, new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
            _open[folder] = file;
        }

        file.Stream.Write(_buffer.GetBuffer(), 0, (int)_buffer.Length);
    }

    public void Dispose()
    {
        foreach (var (_, stream) in _open.Values)
        {
            stream.Dispose();
        }

        _open.Clear();
        _buffer.Dispose();
    }
}
