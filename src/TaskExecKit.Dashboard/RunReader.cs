using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace TaskExecKit.Dashboard;

/// <summary>
/// Reads run evidence (<c>runs/&lt;run id&gt;/run.json</c> and its logs) and, for a run still going, the live task
/// states from the run journal (<c>&lt;runtime&gt;/database/state/runs.db</c>) or, without one, from which task
/// logs exist. Never writes.
/// </summary>
internal sealed class RunReader
{
    private const int MaxLogBytes = 64 * 1024;
    private readonly ConcurrentDictionary<string, (long Length, long Ticks, JsonObject Summary)> _summaries = new(StringComparer.Ordinal);
    private readonly string _runsDirectory;
    private readonly string _journalPath;
    private readonly int _maxRuns;

    internal RunReader(string runsDirectory, string runtimeDirectory, int maxRuns)
    {
        _runsDirectory = runsDirectory;
        _journalPath = Path.Combine(runtimeDirectory, "database", "state", "runs.db");
        _maxRuns = maxRuns;
    }

    /// <summary>Gets the newest run folders (by name, which starts with the UTC start time), newest first.</summary>
    internal IReadOnlyList<string> RecentRunDirectories()
    {
        if (!Directory.Exists(_runsDirectory))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(_runsDirectory)
            .Where(d => File.Exists(Path.Combine(d, "run.json")))
            .OrderByDescending(d => Path.GetFileName(d), StringComparer.Ordinal)
            .Take(_maxRuns)];
    }

    internal JsonArray ListRuns()
    {
        var list = new JsonArray();
        foreach (string dir in RecentRunDirectories())
        {
            string file = Path.Combine(dir, "run.json");
            var info = new FileInfo(file);
            if (!info.Exists)
            {
                continue;
            }

            if (!_summaries.TryGetValue(file, out var cached) || cached.Length != info.Length || cached.Ticks != info.LastWriteTimeUtc.Ticks)
            {
                var run = ReadJson(file);
                if (run is null)
                {
                    continue;
                }

                var summary = new JsonObject
                {
                    ["id"] = Path.GetFileName(dir),
                    ["status"] = run["status"]?.DeepClone(),
                    ["dryRun"] = run["dry_run"]?.DeepClone(),
                    ["plan"] = run["plan"] is JsonValue plan ? Path.GetFileName(plan.GetValue<string>()) : null,
                    ["startedAt"] = run["started_at"]?.DeepClone(),
                    ["finishedAt"] = run["finished_at"]?.DeepClone(),
                    ["durationMs"] = run["duration_ms"]?.DeepClone(),
                    ["summary"] = run["summary"]?.DeepClone(),
                    ["tasks"] = (run["tasks"] as JsonArray)?.Count ?? 0,
                };
                cached = (info.Length, info.LastWriteTimeUtc.Ticks, summary);
                _summaries[file] = cached;
            }

            list.Add(cached.Summary.DeepClone());
        }

        if (_summaries.Count > _maxRuns * 4)
        {
            _summaries.Clear();
        }

        return list;
    }

    /// <summary>Gets a run with each task's live state; null when there is no such run.</summary>
    internal JsonObject? GetRun(string runId)
    {
        string? dir = RunDirectory(runId);
        if (dir is null)
        {
            return null;
        }

        var run = ReadJson(Path.Combine(dir, "run.json"));
        if (run is null)
        {
            return null;
        }

        var tasks = run["tasks"] as JsonArray ?? [];
        bool running = string.Equals((string?)run["status"], "running", StringComparison.Ordinal);
        var journal = running ? ReadJournal(runId) : null;
        foreach (var node in tasks)
        {
            if (node is not JsonObject task || (string?)task["id"] is not { } id)
            {
                continue;
            }

            // Commands can name files and arguments: the page shows the program only.
            if (task["commands"] is JsonArray commands)
            {
                foreach (var command in commands.OfType<JsonObject>())
                {
                    if (command["cmd"] is JsonArray argv && argv.Count > 0)
                    {
                        command["cmd"] = new JsonArray(argv[0]?.DeepClone());
                    }
                }
            }

            if (!running || !string.Equals((string?)task["status"], "pending", StringComparison.Ordinal))
            {
                continue;
            }

            if (journal is not null && journal.TryGetValue(id, out var live))
            {
                task["status"] = live.Status;
                if (live.StartedAt is not null)
                {
                    task["started_at"] = live.StartedAt;
                }

                if (live.FinishedAt is not null)
                {
                    task["finished_at"] = live.FinishedAt;
                }

                if (live.Attempts > 0)
                {
                    task["attempts"] = live.Attempts;
                }
            }
            else if (File.Exists(LogFile(dir, id)))
            {
                task["status"] = "running";
            }
        }

        run["run_id"] = runId;
        return run;
    }

    /// <summary>Gets the end of a task's log (at most 64 KB), or null when the run, task or log is not there.</summary>
    internal string? GetLog(string runId, string taskId)
    {
        string? dir = RunDirectory(runId);
        if (dir is null || ReadJson(Path.Combine(dir, "run.json")) is not { } run)
        {
            return null;
        }

        var task = (run["tasks"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(t => string.Equals((string?)t["id"], taskId, StringComparison.Ordinal));
        if (task is null)
        {
            return null;
        }

        string path = task["log"] is JsonValue log ? Path.GetFullPath(Path.Combine(dir, log.GetValue<string>())) : LogFile(dir, taskId);
        if (!path.StartsWith(dir + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
        {
            return null;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long start = Math.Max(0, stream.Length - MaxLogBytes);
        stream.Seek(start, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string text = reader.ReadToEnd();
        return start > 0 ? "… (only the last 64 KB)\n" + text : text;
    }

    private string? RunDirectory(string runId)
    {
        if (runId.Length is 0 or > 128 || runId is "." or ".." || !runId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return null;
        }

        string root = Path.GetFullPath(_runsDirectory);
        string dir = Path.Combine(root, runId);
        return Directory.Exists(dir) ? dir : null;
    }

    private static string LogFile(string runDirectory, string taskId)
    {
        var name = new StringBuilder(taskId.Length);
        foreach (char c in taskId)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        if (name.Length == 0 || name[0] == '.')
        {
            name.Insert(0, '_');
        }

        return Path.Combine(runDirectory, "logs", name + ".log");
    }

    private static JsonObject? ReadJson(string file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return JsonNode.Parse(stream) as JsonObject;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null; // Being replaced right now; the next change event reads it again.
        }
    }

    private Dictionary<string, LiveTask>? ReadJournal(string runId)
    {
        if (!File.Exists(_journalPath))
        {
            return null;
        }

        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _journalPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT task_id, status, attempts, started_at, finished_at FROM run_tasks WHERE run_id = $run;";
            cmd.Parameters.AddWithValue("$run", runId);
            using var reader = cmd.ExecuteReader();
            var tasks = new Dictionary<string, LiveTask>(StringComparer.Ordinal);
            while (reader.Read())
            {
                string status = reader.IsDBNull(1) ? "running" : StatusWord(reader.GetString(1));
                tasks[reader.GetString(0)] = new LiveTask(status, reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : Utc(reader.GetString(3)), reader.IsDBNull(4) ? null : Utc(reader.GetString(4)));
            }

            return tasks;
        }
        catch (SqliteException)
        {
            return null; // Busy or not a journal: fall back to the logs.
        }
    }

    private static string Utc(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : text;

    private static string StatusWord(string status) => status switch
    {
        "Succeeded" => "ok",
        "Failed" => "failed",
        "TimedOut" => "timed_out",
        "Cancelled" => "cancelled",
        "Skipped" => "skipped",
        _ => "denied",
    };

    private sealed record LiveTask(string Status, int Attempts, string? StartedAt, string? FinishedAt);
}
