using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Cli.Commands;

/// <summary>
/// <c>task-exec-kit monitor metrics --agent-id &lt;id&gt; [--since ...]</c> and
/// <c>task-exec-kit monitor audit --since "1 hour ago" [--verify]</c>: read the telemetry a runtime directory holds.
/// </summary>
internal static class MonitorCommand
{
    private const string SinceHelp = "How far back to look: '1 hour ago', '30 minutes ago', '2 days ago', '15m', or an ISO time such as 2026-11-25T10:00:00Z.";

    internal static Command Create()
    {
        var command = new Command("monitor", "Read the metrics and the audit trail recorded under a runtime directory, or serve them as a live web dashboard.");
        command.Subcommands.Add(CreateMetrics());
        command.Subcommands.Add(CreateAudit());
        command.Subcommands.Add(DashboardCommand.Create());
        return command;
    }

    private static Option<DirectoryInfo> RuntimeOption() =>
        new("--runtime") { Description = "The runtime directory (holding database/).", DefaultValueFactory = _ => new DirectoryInfo("runtime") };

    private static Option<string> SinceOption() =>
        new("--since") { Description = SinceHelp, DefaultValueFactory = _ => "1 hour ago" };

    private static Command CreateMetrics()
    {
        var agent = new Option<string?>("--agent-id") { Description = "Only this agent; without it every agent is listed." };
        var since = SinceOption();
        var runtime = RuntimeOption();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables." };
        var command = new Command("metrics", "Print task counts, success rate, retries, latency percentiles and tokens, overall and per minute.") { agent, since, runtime, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(
                () => MetricsAsync(parse.GetRequiredValue(runtime), parse.GetValue(agent), parse.GetRequiredValue(since), parse.GetValue(json), stdout, stderr, cancellationToken),
                stderr);
        });
        return command;
    }

    private static Command CreateAudit()
    {
        var since = SinceOption();
        var runtime = RuntimeOption();
        var verify = new Option<bool>("--verify") { Description = "Check the whole hash chain and the external chain head; exits 2 and names the first bad row when it does not verify." };
        var head = new Option<FileInfo?>("--audit-head") { Description = "The chain head file, when it is not runtime/state/audit.head." };
        var limit = new Option<int>("--limit") { Description = "The most rows to print: the newest of the range, printed oldest first.", DefaultValueFactory = _ => 1000 };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of tables." };
        var command = new Command("audit", "Print the audit trail (effects, decisions, configuration changes, kill switches) and optionally verify it.") { since, runtime, verify, head, limit, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(
                () => AuditAsync(parse.GetRequiredValue(runtime), parse.GetRequiredValue(since), parse.GetValue(verify), parse.GetValue(head), parse.GetValue(limit), parse.GetValue(json), stdout, stderr, cancellationToken),
                stderr);
        });
        return command;
    }

    internal static async Task<int> MetricsAsync(DirectoryInfo runtime, string? agentId, string since, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string? problem = TryParseSince(since, out var range) ? MissingDatabase(runtime) : SinceProblem(since);
        if (problem is not null)
        {
            await stderr.WriteLineAsync($"task-exec-kit: error: {problem}").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        await using var telemetry = OpenReadOnly(runtime);
        var snapshot = await telemetry.GetMetricsAsync(range, agentId, cancellationToken).ConfigureAwait(false);
        if (agentId is not null && snapshot.Overall.CountOf(TelemetryEventKind.TaskStarted) == 0 && snapshot.Overall.TasksFinished == 0
            && snapshot.PerMinute.Count == 0)
        {
            await stderr.WriteLineAsync($"task-exec-kit: no telemetry for agent '{agentId}' {Describe(snapshot)}").ConfigureAwait(false);
        }

        await stdout.WriteAsync(json ? MetricsJson(snapshot, agentId) : MetricsTable(snapshot, agentId)).ConfigureAwait(false);
        return CliErrors.Ok;
    }

    internal static async Task<int> AuditAsync(DirectoryInfo runtime, string since, bool verify, FileInfo? head, int limit, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1_000_000)
        {
            await stderr.WriteLineAsync($"task-exec-kit: error: --limit must be between 1 and 1000000, not {limit}").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        string? problem = TryParseSince(since, out var range) ? MissingDatabase(runtime) : SinceProblem(since);
        if (problem is not null)
        {
            await stderr.WriteLineAsync($"task-exec-kit: error: {problem}").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        AuditVerification? verification = verify
            ? await SqliteAuditTrail.VerifyAsync(runtime.FullName, head?.FullName, cancellationToken).ConfigureAwait(false)
            : null;
        IReadOnlyList<AuditEntry> entries = [];
        if (verification is null or { IsValid: true })
        {
            await using var telemetry = OpenReadOnly(runtime, head);
            entries = await telemetry.GetLatestAuditEntriesAsync(range, limit, cancellationToken).ConfigureAwait(false);
        }

        await stdout.WriteAsync(json ? AuditJson(entries, verification) : AuditTable(entries, range, verification)).ConfigureAwait(false);
        if (verification is { IsValid: false })
        {
            await stderr.WriteLineAsync($"task-exec-kit: the audit trail does not verify: {verification.Problem}").ConfigureAwait(false);
            return CliErrors.TaskFailed; // Exit 2: the check ran and failed, unlike bad input (1).
        }

        return CliErrors.Ok;
    }

    private static TelemetrySystem OpenReadOnly(DirectoryInfo runtime, FileInfo? head = null)
    {
        var options = new TelemetryOptions
        {
            RuntimeDirectory = runtime.FullName,
            Store = new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions { ReadOnly = true, AuditHeadPath = head?.FullName }),
            WriteJsonLogs = false,
            PersistInstrumentMeasurements = false,
        };
        return new TelemetrySystem(options);
    }

    private static bool TryParseSince(string since, out TimeRange range) => TimeRange.TryParseSince(since, out range);

    private static string SinceProblem(string since) =>
        $"--since: cannot read '{since}'. {SinceHelp}";

    private static string? MissingDatabase(DirectoryInfo runtime)
    {
        string db = Path.Combine(runtime.FullName, "database", "telemetry.db");
        return File.Exists(db) ? null : $"no telemetry database at {db} (use --runtime to point at the runtime directory)";
    }

    private static string Describe(MetricsSnapshot s) =>
        string.Create(CultureInfo.InvariantCulture, $"from {s.From.UtcDateTime:yyyy-MM-dd HH:mm:ss} to {s.To.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");

    private static string MetricsTable(MetricsSnapshot s, string? agentId)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"Metrics {(agentId is null ? "for all agents" : $"for agent {agentId}")} {Describe(s)}");
        text.AppendLine(inv, $"Store: {s.Store}");
        text.AppendLine();
        var o = s.Overall;
        Row(text, "tasks started", N(o.TasksStarted));
        Row(text, "tasks finished", $"{N(o.TasksFinished)} ({N(o.TasksSucceeded)} succeeded, {N(o.TasksFailed)} failed)");
        Row(text, "success rate", Percent(o.SuccessRate));
        Row(text, "attempts", $"{N(o.Attempts)} ({N(o.Retries)} retries)");
        Row(text, "latency mean", Duration(o.MeanLatency));
        Row(text, "latency p50/p90/p99", $"{Duration(o.LatencyP50)} / {Duration(o.LatencyP90)} / {Duration(o.LatencyP99)}");
        Row(text, "tokens", N(o.Tokens));
        Row(text, "cost", o.Cost.ToString("0.####", inv));
        Row(text, "effects performed/denied", $"{N(o.CountOf(TelemetryEventKind.EffectPerformed))} / {N(o.CountOf(TelemetryEventKind.EffectDenied))}");
        Row(text, "limits hit", N(o.CountOf(TelemetryEventKind.LimitHit)));
        Row(text, "decisions", N(o.CountOf(TelemetryEventKind.Decision)));

        if (agentId is null && s.Agents.Count > 0)
        {
            text.AppendLine();
            Table(text, ["agent", "started", "finished", "success", "retries", "p50", "p99", "tokens"],
                s.Agents.Values.Select(a => new[] { a.AgentId, N(a.TasksStarted), N(a.TasksFinished), Percent(a.SuccessRate), N(a.Retries), Duration(a.LatencyP50), Duration(a.LatencyP99), N(a.Tokens) }));
        }

        if (s.PerMinute.Count > 0)
        {
            text.AppendLine();
            var trends = MetricsTrends.Compute(s.PerMinute, MetricsTrends.DefaultWindow);
            Table(text, ["minute (UTC)", "started", "finished", "success", "p50", "p99", "tokens", "mean 15m", "failed 15m"],
                s.PerMinute.Select((m, i) => new[]
                {
                    m.Minute.UtcDateTime.ToString("yyyy-MM-dd HH:mm", inv), N(m.Metrics.TasksStarted), N(m.Metrics.TasksFinished),
                    Percent(m.Metrics.SuccessRate), Duration(m.Metrics.LatencyP50), Duration(m.Metrics.LatencyP99), N(m.Metrics.Tokens),
                    Duration(trends[i].MovingMeanLatency), Percent(trends[i].MovingFailureRate),
                }));
        }

        return text.ToString();
    }

    private static string AuditTable(IReadOnlyList<AuditEntry> entries, TimeRange range, AuditVerification? verification)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        if (verification is not null)
        {
            text.AppendLine(verification.IsValid
                ? string.Create(inv, $"Audit trail verified: {verification.RowsChecked} row(s), chain head at row {verification.HeadSequence?.ToString(inv) ?? "-"}.")
                : string.Create(inv, $"Audit trail does NOT verify: first bad row {verification.FirstBadSequence?.ToString(inv) ?? "-"}: {verification.Problem}."));
            if (!verification.IsValid)
            {
                return text.ToString();
            }

            text.AppendLine();
        }

        text.AppendLine(inv, $"Audit entries ({range}): {entries.Count}");
        if (entries.Count > 0)
        {
            Table(text, ["seq", "time (UTC)", "kind", "agent", "task", "what", "why", "detail"],
                entries.Select(e => new[]
                {
                    N(e.Sequence), e.Event.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", inv), e.Event.Kind.ToString(),
                    e.Event.AgentId ?? "-", e.Event.TaskId ?? "-", Clip(e.Event.Name), Clip(e.Event.Reason), Clip(e.Event.Detail),
                }));
        }

        return text.ToString();
    }

    private static string MetricsJson(MetricsSnapshot s, string? agentId) => JsonSerializer.Serialize(new
    {
        agent = agentId,
        from = s.From,
        to = s.To,
        store = s.Store,
        overall = AgentJson(s.Overall),
        agents = s.Agents.Values.Select(AgentJson).ToList(),
        perMinute = s.PerMinute.Zip(MetricsTrends.Compute(s.PerMinute, MetricsTrends.DefaultWindow), (m, t) => new
        {
            minute = m.Minute,
            metrics = AgentJson(m.Metrics),
            trend = new { windowMinutes = MetricsTrends.DefaultWindow.TotalMinutes, tasksFinished = t.TasksFinishedInWindow, meanLatencyMs = t.MovingMeanLatency?.TotalMilliseconds, failureRate = t.MovingFailureRate },
        }).ToList(),
    }, JsonOptions) + Environment.NewLine;

    private static object AgentJson(AgentMetrics a) => new
    {
        agentId = a.AgentId,
        tasksStarted = a.TasksStarted,
        tasksFinished = a.TasksFinished,
        tasksSucceeded = a.TasksSucceeded,
        tasksFailed = a.TasksFailed,
        successRate = a.SuccessRate,
        attempts = a.Attempts,
        retries = a.Retries,
        latencyMeanMs = a.MeanLatency?.TotalMilliseconds,
        latencyP50Ms = a.LatencyP50?.TotalMilliseconds,
        latencyP90Ms = a.LatencyP90?.TotalMilliseconds,
        latencyP99Ms = a.LatencyP99?.TotalMilliseconds,
        tokens = a.Tokens,
        cost = a.Cost,
    };

    private static string AuditJson(IReadOnlyList<AuditEntry> entries, AuditVerification? v) => JsonSerializer.Serialize(new
    {
        verification = v is null ? null : new { valid = v.IsValid, rowsChecked = v.RowsChecked, headSequence = v.HeadSequence, firstBadSequence = v.FirstBadSequence, problem = v.Problem },
        entries = entries.Select(e => new
        {
            seq = e.Sequence,
            time = e.Event.Timestamp,
            kind = e.Event.Kind.ToString(),
            agent = e.Event.AgentId,
            task = e.Event.TaskId,
            name = e.Event.Name,
            reason = e.Event.Reason,
            detail = e.Event.Detail,
            hash = e.Hash,
        }).ToList(),
    }, JsonOptions) + Environment.NewLine;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private static void Row(StringBuilder text, string name, string value) =>
        text.Append("  ").Append(name.PadRight(26)).AppendLine(value);

    private static void Table(StringBuilder text, string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        int[] widths = [.. headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length)))];
        text.AppendLine(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in all)
        {
            text.AppendLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "-";

    private static string Duration(TimeSpan? d) => d switch
    {
        null => "-",
        { TotalMilliseconds: < 1 } x => x.TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture) + " ms",
        { TotalSeconds: < 1 } x => x.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms",
        { TotalMinutes: < 1 } x => x.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s",
        { } x => x.TotalMinutes.ToString("0.0", CultureInfo.InvariantCulture) + " min",
    };

    private static string Clip(string? text) => text is null ? "-" : text.Length <= 40 ? text.ReplaceLineEndings(" ") : text[..39].ReplaceLineEndings(" ") + "…";
}
