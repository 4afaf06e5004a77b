using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using TaskExecKit.Autonomous;
using TaskExecKit.Configuration;
using TaskExecKit.Planning;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Cli.Commands;

/// <summary>
/// <c>task-exec-kit autonomous start|stop|status|approve|reject|kill|rollback</c>: runs the HOOTL loop in the
/// foreground (or, with <c>--detach</c>, in a background process) and reaches a running one from another terminal
/// through its runtime directory.
/// </summary>
internal static class AutonomousCommand
{
    internal static Command Create()
    {
        var command = new Command("autonomous", "Run the autonomous (human-out-of-the-loop) engine and control it through its runtime directory.");
        command.Subcommands.Add(CreateStart());
        command.Subcommands.Add(CreateStop());
        command.Subcommands.Add(CreateStatus());
        command.Subcommands.Add(CreateDecision(approve: true));
        command.Subcommands.Add(CreateDecision(approve: false));
        command.Subcommands.Add(CreateKill());
        command.Subcommands.Add(CreateRollback());
        return command;
    }

    private static Option<string?> RuntimeOption() =>
        new("--runtime") { Description = "The engine's runtime directory (state/, database/); core.toml's runtime_dir, else runtime, by default." };

    private static Option<string> ConfigOption() =>
        new("--config") { Description = "The configuration folder (core.toml, autonomous.toml, safety.toml, ai.toml, ...).", DefaultValueFactory = _ => "config" };

    private static string RuntimeOf(string? runtime, string? config)
    {
        if (runtime is not null)
        {
            return runtime;
        }

        return config is not null && Directory.Exists(config) ? EngineConfig.Load(config).Core.RuntimeDirectory : "runtime";
    }

    private static Command CreateStart()
    {
        var config = ConfigOption();
        var runtime = RuntimeOption();
        var goal = new Option<string?>("--goal") { Description = "The goal given to DECIDE." };
        var plan = new Option<string?>("--plan") { Description = "A goal plan (plan.json or sot.md) RUN executes when DECIDE proposes no tasks; without it one harmless noop check runs per iteration." };
        var detach = new Option<bool>("--detach") { Description = "Run the engine in a background process (its output goes to <runtime>/logs/autonomous-<time>.log), print its pid and return once it runs; `autonomous stop` reaches it through the runtime directory." };
        var command = new Command("start", "Run the loop in the foreground until a limit, `autonomous stop`, `autonomous kill`, the KILL file, Ctrl+C or SIGTERM ends it; or in the background with --detach.") { config, runtime, goal, plan, detach };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            bool configGiven = parse.GetResult(config) is { Implicit: false };
            return parse.GetValue(detach)
                ? CliErrors.GuardAsync(() => DetachAsync(parse.GetRequiredValue(config), configGiven, parse.GetValue(runtime), parse.GetValue(goal), parse.GetValue(plan), stdout, cancellationToken), stderr)
                : CliErrors.GuardAsync(() => StartAsync(parse.GetRequiredValue(config), configGiven, parse.GetValue(runtime), parse.GetValue(goal), parse.GetValue(plan), stdout, cancellationToken), stderr);
        });
        return command;
    }

    /// <summary>
    /// <c>start --detach</c>: starts this same command (without <c>--detach</c>) as a background process in its own
    /// session, with its output appended to <c>&lt;runtime&gt;/logs/autonomous-&lt;time&gt;.log</c>, and returns once the
    /// engine holds the runtime directory (or has already finished), printing its pid. A child that fails to start
    /// makes this fail with the end of its log.
    /// </summary>
    internal static async Task<int> DetachAsync(string configDirectory, bool configGiven, string? runtime, string? goal, string? planPath, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new AutonomousException("--detach needs a POSIX shell; on Windows run `autonomous start` under a service manager instead");
        }

        if (configGiven && !Directory.Exists(configDirectory) && !File.Exists(configDirectory))
        {
            throw new DirectoryNotFoundException($"--config: {configDirectory} does not exist");
        }

        // The same configuration checks as a foreground start, before anything is spawned: errors belong in this terminal.
        var config = Directory.Exists(configDirectory) || File.Exists(configDirectory) ? EngineConfig.Load(configDirectory) : EngineConfig.Default;
        if (planPath is not null)
        {
            (planPath.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? Plan.FromSot(planPath) : Plan.Load(planPath)).EnsureValid();
        }

        var control = new AutonomousControl(runtime ?? config.Core.RuntimeDirectory);
        if (control.IsEngineRunning)
        {
            throw new AutonomousException($"Another autonomous engine is already running in {control.RuntimeDirectory}: stop it with `autonomous stop` (or `autonomous kill`), or use another --runtime.");
        }

        var started = DateTimeOffset.UtcNow;
        string logs = Directory.CreateDirectory(Path.Combine(control.RuntimeDirectory, "logs")).FullName;
        string log = Path.Combine(logs, string.Create(CultureInfo.InvariantCulture, $"autonomous-{started:yyyyMMdd-HHmmss-fff}.log"));

        var arguments = new List<string> { "autonomous", "start" };
        if (configGiven || Directory.Exists(configDirectory) || File.Exists(configDirectory))
        {
            arguments.AddRange(["--config", Path.GetFullPath(configDirectory)]);
        }

        arguments.AddRange(["--runtime", control.RuntimeDirectory]);
        if (goal is not null)
        {
            arguments.AddRange(["--goal", goal]);
        }

        if (planPath is not null)
        {
            arguments.AddRange(["--plan", Path.GetFullPath(planPath)]);
        }

        var (executable, prefix) = CliExecutable();
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = Environment.CurrentDirectory };

        // A session of its own (setsid, when there is one) so the terminal's Ctrl+C and hang-up do not reach it; no terminal I/O.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("log=$1; shift; if command -v setsid >/dev/null 2>&1; then exec setsid \"$@\" </dev/null >>\"$log\" 2>&1; else exec \"$@\" </dev/null >>\"$log\" 2>&1; fi");
        start.ArgumentList.Add("task-exec-kit");
        start.ArgumentList.Add(log);
        start.ArgumentList.Add(executable);
        foreach (string argument in prefix.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new AutonomousException("the background engine process did not start");
        var deadline = DateTimeOffset.UtcNow.AddSeconds(120);
        while (true)
        {
            var status = await control.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            bool ours = status is { StartedAt: { } at } && at >= started.AddSeconds(-1);
            if (ours && (control.IsEngineRunning || !status!.Running))
            {
                int pid = status!.ProcessId ?? child.Id;
                await stdout.WriteLineAsync(status.Running || control.IsEngineRunning
                    ? $"autonomous engine running in the background: pid {pid.ToString(CultureInfo.InvariantCulture)}, runtime {control.RuntimeDirectory}, output in {log}"
                    : $"autonomous engine ran in the background (pid {pid.ToString(CultureInfo.InvariantCulture)}) and has already stopped: {status.StopReason}; output in {log}").ConfigureAwait(false);
                await stdout.WriteLineAsync("watch it with `autonomous status --detailed`; stop it with `autonomous stop --graceful` or `autonomous kill`").ConfigureAwait(false);
                return CliErrors.Ok;
            }

            if (child.HasExited)
            {
                string tail = File.Exists(log) ? string.Join(Environment.NewLine, (await File.ReadAllLinesAsync(log, cancellationToken).ConfigureAwait(false)).TakeLast(10)) : string.Empty;
                throw new AutonomousException($"the background engine exited with code {child.ExitCode} before it ran (log {log}): {tail}");
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new AutonomousException($"the background engine (pid {child.Id}) has not started within 120 s; see {log}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>This CLI as a command line: its apphost next to the assembly, else <c>dotnet task-exec-kit.dll</c>.</summary>
    private static (string Executable, string[] Prefix) CliExecutable()
    {
        string dll = typeof(AutonomousCommand).Assembly.Location;
        string apphost = Path.Combine(Path.GetDirectoryName(dll)!, Path.GetFileNameWithoutExtension(dll));
        if (File.Exists(apphost))
        {
            return (apphost, []);
        }

        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
            ?? (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet");
        return (dotnet, [dll]);
    }

    internal static async Task<int> StartAsync(string configDirectory, bool configGiven, string? runtime, string? goal, string? planPath, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (configGiven && !Directory.Exists(configDirectory) && !File.Exists(configDirectory))
        {
            throw new DirectoryNotFoundException($"--config: {configDirectory} does not exist");
        }

        var config = Directory.Exists(configDirectory) || File.Exists(configDirectory) ? EngineConfig.Load(configDirectory) : EngineConfig.Default;
        // The same agent catalog as `plan` and `run`: built-ins, agents/*.toml and, when it can be set up, ai.
        var options = new AutonomousEngineOptions { Goal = goal, RuntimeDirectory = runtime, Agents = CliAgents.Catalog(config, null, out _) };
        if (planPath is not null)
        {
            var loaded = planPath.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? Plan.FromSot(planPath) : Plan.Load(planPath);
            loaded.EnsureValid();
            options.GoalPlan = loaded;
        }

        await using var engine = new AutonomousEngine(config, options);

        // The signal kill switch: SIGINT (Ctrl+C) and SIGTERM stop the engine at once; its child processes are killed.
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; engine.Kill("signal SIGINT"); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; engine.Kill("signal SIGTERM"); });

        var limits = config.Autonomous.Limits;
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"autonomous engine started in {engine.RuntimeDirectory} (pid {Environment.ProcessId}); limits: {limits.MaxIterations} iterations, {Duration(limits.MaxWallTime)}, {limits.MaxTokens} tokens, ${limits.MaxCost}, {limits.MaxTasks} tasks; provider {config.AI.Provider}")).ConfigureAwait(false);
        await stdout.WriteLineAsync("stop it with `autonomous stop --graceful`, `autonomous kill` or Ctrl+C; watch it with `autonomous status --detailed`").ConfigureAwait(false);
        AutonomousStatus final;
        try
        {
            final = await engine.RunHootlLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            final = await engine.Completion.ConfigureAwait(false);
        }

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"autonomous engine stopped after {final.Iteration} iteration(s): {final.StopReason}; last score {Score(final.LastScore)}")).ConfigureAwait(false);
        return CliErrors.Ok;
    }

    private static Command CreateStop()
    {
        var runtime = RuntimeOption();
        var config = ConfigOption();
        var graceful = new Option<bool>("--graceful") { Description = "Let the current iteration finish (otherwise running work is cancelled at once)." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the engine to stop.", DefaultValueFactory = _ => 60 };
        var command = new Command("stop", "Ask the engine running in the runtime directory to stop, and wait for it.") { runtime, config, graceful, timeout };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(() => StopAsync(RuntimeOf(parse.GetValue(runtime), parse.GetValue(config)), parse.GetValue(graceful), parse.GetValue(timeout), stdout, stderr, cancellationToken), stderr);
        });
        return command;
    }

    internal static async Task<int> StopAsync(string runtime, bool graceful, int timeoutSeconds, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var control = new AutonomousControl(runtime);
        if (!control.IsEngineRunning)
        {
            await stdout.WriteLineAsync($"no autonomous engine is running in {control.RuntimeDirectory}").ConfigureAwait(false);
            return CliErrors.Ok;
        }

        await control.RequestStopAsync(graceful, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync($"stop requested ({(graceful ? "graceful" : "immediate")}); waiting for the engine in {control.RuntimeDirectory}").ConfigureAwait(false);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(Math.Max(1, timeoutSeconds));
        while (control.IsEngineRunning)
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                await stderr.WriteLineAsync($"task-exec-kit: the engine has not stopped within {timeoutSeconds}s; `autonomous kill` stops it at once").ConfigureAwait(false);
                return CliErrors.TaskFailed;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        var status = await control.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync($"stopped: {status?.StopReason ?? "-"}").ConfigureAwait(false);
        return CliErrors.Ok;
    }

    private static Command CreateKill()
    {
        var runtime = RuntimeOption();
        var config = ConfigOption();
        var reason = new Option<string>("--reason") { Description = "Why; recorded in the audit trail.", DefaultValueFactory = _ => "autonomous kill from the command line" };
        var command = new Command("kill", "Pull the kill switch: writes runtime/state/KILL; the engine starts no new effect and cancels running work. Delete the file to allow a new start.") { runtime, config, reason };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(async () =>
            {
                var control = new AutonomousControl(RuntimeOf(parse.GetValue(runtime), parse.GetValue(config)));
                await control.KillAsync(parse.GetRequiredValue(reason), cancellationToken).ConfigureAwait(false);
                await stdout.WriteLineAsync($"kill switch engaged: {Path.Combine(control.RuntimeDirectory, "state", "KILL")} (delete it to allow a new start)").ConfigureAwait(false);
                return CliErrors.Ok;
            }, stderr);
        });
        return command;
    }

    private static Command CreateDecision(bool approve)
    {
        var id = new Argument<string>("id") { Description = "The approval id (`autonomous status --detailed` lists the pending ones)." };
        var runtime = RuntimeOption();
        var config = ConfigOption();
        var by = new Option<string>("--by") { Description = "Who decides; recorded.", DefaultValueFactory = _ => Environment.UserName };
        var reason = new Option<string?>("--reason") { Description = "Why (for a rejection)." };
        var command = approve
            ? new Command("approve", "Approve a pending approval so the gate lets the plan run.") { id, runtime, config, by }
            : new Command("reject", "Reject a pending approval; the gate blocks the plan.") { id, runtime, config, by, reason };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(async () =>
            {
                var control = new AutonomousControl(RuntimeOf(parse.GetValue(runtime), parse.GetValue(config)));
                string approvalId = parse.GetRequiredValue(id);
                if (approve)
                {
                    await control.ApproveAsync(approvalId, parse.GetRequiredValue(by), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await control.RejectAsync(approvalId, parse.GetRequiredValue(by), parse.GetValue(reason), cancellationToken).ConfigureAwait(false);
                }

                await stdout.WriteLineAsync($"{(approve ? "approved" : "rejected")} {approvalId}").ConfigureAwait(false);
                return CliErrors.Ok;
            }, stderr);
        });
        return command;
    }

    private static Command CreateRollback()
    {
        var to = new Option<string>("--to") { Description = "The checkpoint id (`autonomous status --detailed` lists them).", Required = true };
        var runtime = RuntimeOption();
        var config = ConfigOption();
        var command = new Command("rollback", "Restore a checkpoint: the files a run could touch and the configuration files, as they were before that RUN. Refused while an engine runs.") { to, runtime, config };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(() => RollbackAsync(RuntimeOf(parse.GetValue(runtime), parse.GetValue(config)), parse.GetRequiredValue(to), stdout, cancellationToken), stderr);
        });
        return command;
    }

    internal static async Task<int> RollbackAsync(string runtime, string checkpoint, TextWriter stdout, CancellationToken cancellationToken)
    {
        var control = new AutonomousControl(runtime);
        var restored = await control.RollbackAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        var options = new TelemetryOptions { RuntimeDirectory = control.RuntimeDirectory, WriteJsonLogs = false, PersistInstrumentMeasurements = false };
        await using (var telemetry = new TelemetrySystem(options))
        {
            telemetry.RecordConfigurationChange("autonomous.rollback", restored.Id, "autonomous rollback --to (command line)");
            await telemetry.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"restored checkpoint {restored.Id} (iteration {restored.Iteration}): {restored.Paths.Count} path(s), {restored.ConfigurationFiles.Count} configuration file(s){(restored.Partial ? "; the checkpoint was partial (size cap)" : string.Empty)}")).ConfigureAwait(false);
        return CliErrors.Ok;
    }

    private static Command CreateStatus()
    {
        var runtime = RuntimeOption();
        var config = ConfigOption();
        var detailed = new Option<bool>("--detailed") { Description = "Also the scores, every limit, pending approvals, checkpoints and the recent decision records." };
        var json = new Option<bool>("--json") { Description = "Print status.json as it is." };
        var command = new Command("status", "Show the engine's phase, iteration, last score and limits (from runtime/state/status.json).") { runtime, config, detailed, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(() => StatusAsync(RuntimeOf(parse.GetValue(runtime), parse.GetValue(config)), parse.GetValue(detailed), parse.GetValue(json), stdout, stderr, cancellationToken), stderr);
        });
        return command;
    }

    internal static async Task<int> StatusAsync(string runtime, bool detailed, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var control = new AutonomousControl(runtime);
        var status = await control.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        if (status is null)
        {
            await stderr.WriteLineAsync($"task-exec-kit: no autonomous engine has run in {control.RuntimeDirectory} (no state/status.json); start one with `autonomous start`").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        if (json)
        {
            await stdout.WriteLineAsync(await File.ReadAllTextAsync(Path.Combine(control.RuntimeDirectory, "state", "status.json"), cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            return CliErrors.Ok;
        }

        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        bool running = status.Running && control.IsEngineRunning;
        text.AppendLine(inv, $"Autonomous engine in {control.RuntimeDirectory}: {(running ? "running" : status.Running ? "not running (it ended without writing its final status)" : "stopped")}");
        Row(text, "phase", status.Phase.ToString().ToUpperInvariant());
        Row(text, "iteration", status.Iteration.ToString(inv));
        Row(text, "last score", Score(status.LastScore));
        Row(text, "started", status.StartedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", inv) ?? "-");
        Row(text, "updated", status.UpdatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", inv));
        if (status.StopReason is not null)
        {
            Row(text, "stop reason", status.StopReason);
        }

        foreach (var limit in detailed ? status.LimitsUsed : status.LimitsUsed.Where(l => l.Name is "max_iterations" or "max_tasks" or "max_tokens"))
        {
            Row(text, limit.Name, string.Create(inv, $"{limit.Used:0.####} of {limit.Maximum:0.####} ({limit.Fraction:P0})"));
        }

        if (detailed)
        {
            text.AppendLine();
            text.AppendLine(inv, $"scores (recent): {(status.Scores.Count == 0 ? "-" : string.Join(' ', status.Scores.Select(s => $"#{s.Iteration}={s.Score:0.##}")))}");
            var pending = await control.GetPendingApprovalsAsync(cancellationToken).ConfigureAwait(false);
            text.AppendLine(inv, $"pending approvals: {(pending.Count == 0 ? "none" : string.Empty)}");
            foreach (var approval in pending)
            {
                text.AppendLine(inv, $"  {approval.Id}  [{approval.Gate}] {approval.Summary} (requested {approval.RequestedAt.UtcDateTime:HH:mm:ss} UTC{(approval.ExpiresAt is { } e ? $", denied at {e.UtcDateTime:HH:mm:ss} UTC without a decision" : string.Empty)})");
            }

            var checkpoints = await control.GetCheckpointsAsync(cancellationToken).ConfigureAwait(false);
            text.AppendLine(inv, $"checkpoints: {(checkpoints.Count == 0 ? "none" : string.Join(' ', checkpoints.TakeLast(10).Select(c => c.Id)))}");
            text.AppendLine();
            await AppendDecisionsAsync(text, control.RuntimeDirectory, cancellationToken).ConfigureAwait(false);
        }

        await stdout.WriteAsync(text.ToString()).ConfigureAwait(false);
        return CliErrors.Ok;
    }

    private static async Task AppendDecisionsAsync(StringBuilder text, string runtime, CancellationToken cancellationToken)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!File.Exists(Path.Combine(runtime, "database", "telemetry.db")))
        {
            text.AppendLine("recent decisions: no telemetry database");
            return;
        }

        var options = new TelemetryOptions
        {
            RuntimeDirectory = runtime,
            Store = new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions { ReadOnly = true }),
            WriteJsonLogs = false,
            PersistInstrumentMeasurements = false,
        };
        await using var telemetry = new TelemetrySystem(options);
        var events = await telemetry.GetEventsAsync(new EventQuery(TimeRange.Last(TimeSpan.FromDays(30)), "autonomous", [TelemetryEventKind.Decision], limit: 10), cancellationToken).ConfigureAwait(false);
        text.AppendLine("recent decisions (newest first):");
        foreach (var e in events)
        {
            string score = string.Empty;
            string gates = string.Empty;
            if (e.Detail is { Length: > 0 } detail && detail[0] == '{')
            {
                try
                {
                    using var doc = JsonDocument.Parse(detail);
                    if (doc.RootElement.TryGetProperty("score", out var s))
                    {
                        score = string.Create(inv, $" score {s.GetDouble():0.##}");
                    }

                    if (doc.RootElement.TryGetProperty("gates", out var g))
                    {
                        gates = " gates " + string.Join(',', g.EnumerateArray().Select(x => x.GetProperty("gate").GetString() + (x.GetProperty("passed").GetBoolean() ? "+" : "-")));
                    }

                    if (doc.RootElement.TryGetProperty("commanders", out var c))
                    {
                        // Which commanders of the CECCA ran it: name(succeeded/assigned).
                        gates += " commanders " + string.Join(',', c.EnumerateArray().Select(x => string.Create(inv, $"{x.GetProperty("commander").GetString()}({x.GetProperty("succeeded").GetInt32()}/{x.GetProperty("assigned").GetInt32()})")));
                    }
                }
                catch (JsonException)
                {
                    // Not a decision record of the loop; print it as it is.
                }
            }

            text.AppendLine(inv, $"  {e.Timestamp.UtcDateTime:HH:mm:ss}  {e.Name}{score}{gates}  — {Truncate(e.Reason ?? string.Empty, 140)}");
        }
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");

    private static void Row(StringBuilder text, string name, string value) => text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-26} {value}");

    private static string Score(double? score) => score?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-";

    private static string Duration(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
