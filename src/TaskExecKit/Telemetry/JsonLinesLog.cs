using System.Globalization;
using System.Text.Json;

namespace TaskExecKit.Telemetry;

/// <summary>
/// Writes redacted events as JSON lines: agent events to <c>logs/agents/</c>, decisions, limits and
/// kill switches to <c>logs/autonomous/</c>, everything else to <c>logs/system/</c>; one file per UTC day,
/// continued in numbered files past <see cref="TelemetryLogOptions.MaxFileBytes"/>; old files deleted by age and total size.
/// </summary>
internal sealed class JsonLinesLog : IDisposable
{
    private readonly string _root;
    private static readonly string[] Folders = ["autonomous", "agents", "system"];
    private readonly Dictionary<string, (string Day, FileStream Stream)> _open = new(StringComparer.Ordinal);
    private readonly MemoryStream _buffer = new();
    private readonly TelemetryLogOptions _options;
    private readonly TimeProvider _time;

    internal JsonLinesLog(string runtimeRoot, TelemetryLogOptions options, TimeProvider time)
    {
        _root = Path.Combine(runtimeRoot, "logs");
        _options = options;
        _time = time;
        ApplyRetention();
    }

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
        bool rotate = _open.TryGetValue(folder, out var file) && file.Day == day
            && _options.MaxFileBytes is { } max && file.Stream.Length > 0 && file.Stream.Length + _buffer.Length > max;
        if (file.Stream is null || file.Day != day || rotate)
        {
            file.Stream?.Dispose();
            string path = NextFile(folder, day);
            file = (day, new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
            _open[folder] = file;
            ApplyRetention();
        }

        file.Stream.Write(_buffer.GetBuffer(), 0, (int)_buffer.Length);
    }

    /// <summary>The file of a folder and day to write to: the last one of that day, or the next number when it is full.</summary>
    private string NextFile(string folder, string day)
    {
        string directory = Path.Combine(_root, folder);
        Directory.CreateDirectory(directory);
        int last = 0;
        while (File.Exists(PathOf(directory, day, last + 1)))
        {
            last++;
        }

        var info = new FileInfo(PathOf(directory, day, last));
        bool full = info.Exists && info.Length > 0 && _options.MaxFileBytes is { } max && info.Length + _buffer.Length > max;
        return PathOf(directory, day, full ? last + 1 : last);
    }

    private static string PathOf(string directory, string day, int number) =>
        Path.Combine(directory, number == 0 ? $"telemetry-{day}.jsonl" : string.Create(CultureInfo.InvariantCulture, $"telemetry-{day}.{number}.jsonl"));

    /// <summary>Deletes log files older than the retention age (by the day in their name), then the oldest while all use too much.</summary>
    internal void ApplyRetention()
    {
        var open = new HashSet<string>(_open.Values.Select(f => f.Stream.Name), StringComparer.Ordinal);
        var files = new List<(string Day, int Number, FileInfo Info)>();
        foreach (string folder in Folders)
        {
            string directory = Path.Combine(_root, folder);
            if (!Directory.Exists(directory))
            {
                continue;
            }

            foreach (var info in new DirectoryInfo(directory).EnumerateFiles("telemetry-*.jsonl"))
            {
                if (TryParseName(info.Name, out string day, out int number))
                {
                    files.Add((day, number, info));
                }
            }
        }

        files.Sort((a, b) => a.Day != b.Day ? string.CompareOrdinal(a.Day, b.Day) : a.Number.CompareTo(b.Number));
        long total = files.Sum(f => f.Info.Length);
        string? oldestKept = _options.RetentionAge is { } age
            ? (_time.GetUtcNow() - age).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : null;
        foreach (var (day, _, info) in files)
        {
            bool tooOld = oldestKept is not null && string.CompareOrdinal(day, oldestKept) < 0;
            bool tooBig = _options.MaxTotalBytes is { } maxTotal && total > maxTotal;
            if (!tooOld && !tooBig)
            {
                continue;
            }

            if (open.Contains(info.FullName))
            {
                continue; // never the file being written
            }

            try
            {
                long length = info.Length;
                info.Delete();
                total -= length;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Best effort: tried again at the next rotation.
            }
        }
    }

    private static bool TryParseName(string name, out string day, out int number)
    {
        // telemetry-YYYY-MM-DD.jsonl or telemetry-YYYY-MM-DD.N.jsonl
        day = string.Empty;
        number = 0;
        if (name.Length < "telemetry-YYYY-MM-DD.jsonl".Length || !name.EndsWith(".jsonl", StringComparison.Ordinal))
        {
            return false;
        }

        day = name.Substring("telemetry-".Length, 10);
        if (!DateTime.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return false;
        }

        string rest = name["telemetry-YYYY-MM-DD".Length..^".jsonl".Length];
        return rest.Length == 0 || (rest[0] == '.' && int.TryParse(rest.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out number));
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
