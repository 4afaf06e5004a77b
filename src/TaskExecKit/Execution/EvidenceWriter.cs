using System.Globalization;
using System.Text;
using System.Text.Json;
using TaskExecKit.Planning;

namespace TaskExecKit.Execution;

/// <summary>
/// Writes a run's evidence as the legacy kit did: <c>runs/&lt;yyyyMMdd_HHmmssZ&gt;/run.json</c> and one
/// log per task in <c>runs/&lt;timestamp&gt;/logs/&lt;task id&gt;.log</c>. run.json is written when the run
/// starts (status <c>running</c>) and replaced, whole, when it ends.
/// </summary>
internal sealed class EvidenceWriter
{
    private readonly string[] _logNames;

    private EvidenceWriter(string runDirectory, string runId, string[] logNames)
    {
        RunDirectory = runDirectory;
        RunId = runId;
        _logNames = logNames;
    }

    internal string RunDirectory { get; }

    internal string RunId { get; }

    internal static EvidenceWriter Create(string runsDirectory, DateTimeOffset startedAt, TaskGraph graph, string? resumeRunId = null)
    {
        string stamp = startedAt.UtcDateTime.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture) + "Z";
        Directory.CreateDirectory(runsDirectory);
        string runId = resumeRunId ?? stamp;
        string directory = Path.Combine(runsDirectory, runId);
        for (int n = 2; resumeRunId is null && Directory.Exists(directory); n++)
        {
            // Two runs in the same second: keep the first name, number the next.
            runId = string.Create(CultureInfo.InvariantCulture, $"{stamp}-{n}");
            directory = Path.Combine(runsDirectory, runId);
        }

        Directory.CreateDirectory(Path.Combine(directory, "logs"));
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var names = new string[graph.TaskCount];
        for (int i = 0; i < names.Length; i++)
        {
            string name = SafeFileName(graph.Tasks[i].Id);
            string candidate = name;
            for (int n = 2; !used.Add(candidate); n++)
            {
                candidate = string.Create(CultureInfo.InvariantCulture, $"{name}-{n}");
            }

            names[i] = "logs/" + candidate + ".log";
        }

        return new EvidenceWriter(Path.GetFullPath(directory), runId, names);
    }

    internal string LogPath(int task) => Path.Combine(RunDirectory, _logNames[task]);

    internal TextWriter OpenLog(int task)
        => new StreamWriter(new FileStream(LogPath(task), FileMode.Create, FileAccess.Write, FileShare.Read, 4096), new UTF8Encoding(false));

    /// <summary>Writes a one-off log for a task that never started.</summary>
    internal void WriteLog(int task, string text)
        => File.WriteAllText(LogPath(task), text + Environment.NewLine, new UTF8Encoding(false));

    internal void WriteRunJson(RunJson run)
    {
        string path = Path.Combine(RunDirectory, "run.json");
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            Write(json, run);
        }

        File.Move(temp, path, overwrite: true);
    }

    internal static string StatusWord(TaskRunStatus status) => status switch
    {
        TaskRunStatus.Succeeded => "ok",
        TaskRunStatus.Failed => "failed",
        TaskRunStatus.TimedOut => "timed_out",
        TaskRunStatus.Cancelled => "cancelled",
        TaskRunStatus.Skipped => "skipped",
        TaskRunStatus.NeedsReview => "needs_review",
        _ => "denied",
    };

    internal static string StatusWord(RunStatus? status) => status switch
    {
        null => "running",
        RunStatus.Succeeded => "ok",
        RunStatus.Failed => "failed",
        _ => "cancelled",
    };

    private void Write(Utf8JsonWriter json, RunJson run)
    {
        json.WriteStartObject();
        json.WriteString("run_id", RunId);
        json.WriteString("status", StatusWord(run.Status));
        json.WriteBoolean("dry_run", run.DryRun);
        json.WriteString("plan", run.Plan.DisplayName);
        json.WriteNumber("plan_version", run.Plan.Version);
        json.WriteString("started_at", Timestamp(run.StartedAt));
        if (run.FinishedAt is { } finished)
        {
            json.WriteString("finished_at", Timestamp(finished));
            json.WriteNumber("duration_ms", Milliseconds(finished - run.StartedAt));
        }

        json.WriteNumber("max_workers", run.MaxWorkers);
        json.WriteBoolean("fail_fast", run.FailFast);
        if (run.Tasks is { } tasks)
        {
            json.WriteStartObject("summary");
            json.WriteNumber("total", tasks.Count);
            foreach (var status in Enum.GetValues<TaskRunStatus>())
            {
                json.WriteNumber(StatusWord(status), tasks.Count(t => t.Status == status));
            }

            json.WriteEndObject();
        }

        json.WriteStartArray("tasks");
        for (int i = 0; i < run.Plan.Tasks.Count; i++)
        {
            var task = run.Plan.Tasks[i];
            var result = run.Tasks?[i];
            json.WriteStartObject();
            json.WriteString("id", task.Id);
            json.WriteString("title", task.Title);
            json.WriteString("queue", task.Queue);
            json.WriteString("layer", task.Layer);
            json.WriteString("agent", result?.Agent ?? run.Agents[i]);
            json.WriteStartArray("needs");
            foreach (string need in task.Needs)
            {
                json.WriteStringValue(need);
            }

            json.WriteEndArray();
            json.WriteString("status", result is null ? "pending" : StatusWord(result.Status));
            if (result is not null)
            {
                json.WriteNumber("attempts", result.Attempts);
                WriteOptionalTime(json, "started_at", result.StartedAt);
                WriteOptionalTime(json, "finished_at", result.FinishedAt);
                if (result.Duration is { } duration)
                {
                    json.WriteNumber("duration_ms", Milliseconds(duration));
                }

                WriteOptionalNumber(json, "exit_code", result.ExitCode);
                if (result.Reason is not null)
                {
                    json.WriteString("reason", result.Reason);
                }

                json.WriteString("log", _logNames[i]);
                json.WriteStartArray("commands");
                foreach (var command in result.Commands)
                {
                    json.WriteStartObject();
                    json.WriteStartArray("cmd");
                    foreach (string arg in command.Argv)
                    {
                        json.WriteStringValue(arg);
                    }

                    json.WriteEndArray();
                    if (command.WorkingDirectory is not null)
                    {
                        json.WriteString("cwd", command.WorkingDirectory);
                    }

                    WriteOptionalNumber(json, "exit_code", command.ExitCode);
                    json.WriteNumber("duration_ms", Milliseconds(command.Duration));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteOptionalTime(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            json.WriteString(name, Timestamp(time));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteOptionalNumber(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static long Milliseconds(TimeSpan value) => (long)Math.Round(value.TotalMilliseconds);

    private static string SafeFileName(string id)
    {
        var builder = new StringBuilder(id.Length);
        foreach (char c in id)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        if (builder.Length == 0 || builder[0] == '.')
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }
}

/// <summary>What run.json records; <see cref="Status"/> null while the run is going.</summary>
internal sealed record RunJson(
    Plan Plan,
    RunStatus? Status,
    bool DryRun,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    int MaxWorkers,
    bool FailFast,
    string[] Agents,
    IReadOnlyList<TaskRunResult>? Tasks);
