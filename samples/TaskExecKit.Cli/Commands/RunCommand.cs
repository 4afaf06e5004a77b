using System.CommandLine;
using System.Globalization;
using TaskExecKit.Configuration;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Cli.Commands;

/// <summary>
/// <c>task-exec-kit run --plan plan.json [--max-workers N] [--dry-run] [--fail-fast] [--config dir] [--runs dir] [--grant cap]... [--hierarchy hierarchy.toml]</c>:
/// runs a plan and writes evidence under <c>runs/</c>; with <c>--hierarchy</c>, through a CECCA (see <see cref="HierarchyRun"/>). Exit codes: 0 every task succeeded, 2 a task
/// failed, 1 bad input, 130 interrupted.
/// </summary>
internal static class RunCommand
{
    internal const int Ok = 0;
    internal const int BadInput = 1;
    internal const int TaskFailed = 2;
    internal const int Interrupted = 130;

    internal static Command Create()
    {
        var plan = new Option<string>("--plan") { Description = "The plan to run: a plan.json, or a sot.md to plan and run in one step.", Required = true };
        var maxWorkers = new Option<int>("--max-workers") { Description = "How many tasks may run at once; core.toml's max_workers, else the processor count, by default.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var dryRun = new Option<bool>("--dry-run") { Description = "Walk the plan and write evidence without running any command." };
        var failFast = new Option<bool>("--fail-fast") { Description = "Stop the run at the first failed task." };
        var config = new Option<string>("--config") { Description = "The configuration folder: core.toml, safety.toml (grants) and the legacy hooks.json and manifest.json.", DefaultValueFactory = _ => "config" };
        var runs = new Option<string>("--runs") { Description = "Where runs write their evidence; core.toml's runs_dir, else runs, by default.", DefaultValueFactory = _ => "runs" };
        var runtime = new Option<string>("--runtime") { Description = "Where telemetry (events, metrics, the audit trail) is recorded; read it with `monitor`.", DefaultValueFactory = _ => "runtime" };
        var resume = new Option<string>("--resume") { Description = "Continue a stopped run (its id is printed by `run`): finished tasks are not run again, tasks in flight run once more with the same idempotency key. Needs the same plan and --runtime." };
        var grants = new Option<string[]>("--grant") { Description = "Grant every task an effect, e.g. --grant process:git --grant fs.read:. (repeatable).", DefaultValueFactory = _ => [] };
        var hierarchy = new Option<string>("--hierarchy") { Description = "Run the plan through a CECCA configured from this hierarchy.toml (commanders, their agents, budget, failure policy) and print each commander's report." };

        var command = new Command("run", "Run a plan: every task as soon as what it needs has succeeded, under a default-deny effect policy.")
        {
            plan, maxWorkers, dryRun, failFast, config, runs, runtime, grants, resume, hierarchy,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            new RunOptions(
                parseResult.GetValue(plan)!,
                parseResult.GetResult(maxWorkers) is { Implicit: false } ? parseResult.GetValue(maxWorkers) : null,
                parseResult.GetValue(dryRun),
                parseResult.GetValue(failFast),
                parseResult.GetValue(config)!,
                parseResult.GetResult(config) is { Implicit: false },
                parseResult.GetResult(runs) is { Implicit: false } ? parseResult.GetValue(runs) : null,
                parseResult.GetValue(grants) ?? [])
            {
                RuntimeDirectory = parseResult.GetValue(runtime),
                ResumeRunId = parseResult.GetValue(resume),
                HierarchyPath = parseResult.GetValue(hierarchy),
            },
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            interactive: parseResult.InvocationConfiguration.Output == Console.Out && !Console.IsOutputRedirected,
            cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(RunOptions options, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        if (options.HierarchyPath is not null)
        {
            return await HierarchyRun.RunAsync(options, output, error, interactive, cancellationToken).ConfigureAwait(false);
        }

        Plan plan;
        TaskExecutor executor;
        TelemetrySystem? telemetry = null;
        Sqlite.SqliteRunJournal? journal = null;
        var display = new ProgressDisplay(output, interactive);
        try
        {
            var capabilities = new List<Capability>();
            foreach (string text in options.Grants)
            {
                if (!Capability.TryParse(text, out var capability))
                {
                    return Fail(error, $"--grant '{text}' is not an effect; write it as kind:target with a kind of process, fs.read, fs.write, net, tool or env (e.g. process:git).");
                }

                capabilities.Add(capability);
            }

            if (options.ConfigGiven && !Directory.Exists(options.ConfigDirectory))
            {
                return Fail(error, $"--config {options.ConfigDirectory}: the folder does not exist.");
            }

            // The TOML configuration (when the folder has any) gives the defaults; flags given on the command line win.
            var engineConfig = Directory.Exists(options.ConfigDirectory) ? EngineConfig.Load(options.ConfigDirectory) : EngineConfig.Default;
            plan = options.PlanPath.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? Plan.FromSot(options.PlanPath) : Plan.Load(options.PlanPath);
            var builder = TaskExecutor.Builder().Configure(engineConfig);

            // The agents of agents/*.toml too, as `plan` checks them (CliAgents); names in code keep theirs.
            builder.Agents(Agents.AgentRegistryConfigExtensions.AddFromConfig(Agents.AgentRegistry.CreateDefault(), engineConfig));
            ApplyRunOptions(builder, options);

            // Telemetry (events, metrics, the audit trail) under the runtime directory, unless turned off.
            if (options.RuntimeDirectory is { } runtime && engineConfig.Telemetry.Enabled)
            {
                var telemetryOptions = new TelemetryOptions { RuntimeDirectory = runtime };
                telemetryOptions.Alerts.UseThresholds(engineConfig.Telemetry.Alerts);

                // telemetry.toml's [alerts] webhook is a network effect: sent only when safety.toml's [grants] or a
                // --grant allows its host and port (e.g. --grant net:127.0.0.1:9000); otherwise denied and audited.
                telemetryOptions.Alerts.WebhookPolicy = EffectPolicy.Create([.. engineConfig.Safety.Grants.ToCapabilities(), .. capabilities]);
                telemetry = new TelemetrySystem(telemetryOptions);
                builder.Telemetry(telemetry);
            }

            // Every real run is journaled under the runtime directory, so `run --resume <run id>` can continue it.
            if (options.ResumeRunId is not null && (options.RuntimeDirectory is null || options.DryRun))
            {
                return Fail(error, "--resume needs the runtime directory the run was journaled in (--runtime) and cannot be a dry run.");
            }

            if (options.RuntimeDirectory is { } journalRoot && !options.DryRun)
            {
                journal = Sqlite.SqliteRunJournal.Open(Path.Combine(journalRoot, "database", "state", "runs.db"));
                builder.Journal(journal);
            }

            // A plan with `agent: ai` tasks gets the catalog with the AI agent of config/ai.toml (offline without it); the
            // tools it may use are the task's effects. Only then: a provider that cannot be set up must not stop other plans.
            if (plan.Tasks.Any(t => string.Equals(t.Agent, CliAgents.AI, StringComparison.Ordinal)))
            {
                var catalog = CliAgents.Catalog(engineConfig, ai =>
                {
                    if (telemetry is not null)
                    {
                        ai.Telemetry(telemetry);
                    }
                }, out string? aiProblem);
                if (aiProblem is not null)
                {
                    await DisposeAsync(telemetry).ConfigureAwait(false);
                    journal?.Dispose();
                    return Fail(error, $"the plan has agent: ai tasks, but {aiProblem} ({Path.Combine(options.ConfigDirectory, "ai.toml")})");
                }

                builder.Agents(catalog);
            }

            executor = builder
                .ConfigDirectory(options.ConfigDirectory)
                .Grant(capabilities)
                .Progress(display)
                .Build();
        }
        catch (ArgumentOutOfRangeException ex) when (ex.ParamName == nameof(TaskExecutorBuilder.MaxWorkers))
        {
            await DisposeAsync(telemetry).ConfigureAwait(false);
            journal?.Dispose();
            return Fail(error, $"--max-workers {options.MaxWorkers}: must be between 1 and {TaskExecutorBuilder.MaxWorkersLimit}.");
        }
        catch (Exception ex) when (IsBadInput(ex))
        {
            await DisposeAsync(telemetry).ConfigureAwait(false);
            journal?.Dispose();
            return Fail(error, Describe(ex, options.PlanPath));
        }

        try
        {
            await using (executor.ConfigureAwait(false))
            {
                RunResult result;
                try
                {
                    result = options.ResumeRunId is { } runId
                        ? await executor.ResumeAsync(plan, runId, cancellationToken).ConfigureAwait(false)
                        : await executor.RunAsync(plan, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsBadInput(ex))
                {
                    return Fail(error, Describe(ex, options.PlanPath));
                }

                display.Complete();
                output.WriteLine(Summary(result));
                if (journal is not null)
                {
                    output.WriteLine($"run id: {result.RunId} (continue it with --resume {result.RunId})");
                }

                if (telemetry is not null)
                {
                    output.WriteLine($"telemetry: {telemetry.StoreDescription}");
                }

                return result.Status switch
                {
                    RunStatus.Succeeded => Ok,
                    RunStatus.Cancelled => Interrupted,
                    _ => TaskFailed,
                };
            }
        }
        finally
        {
            // After the executor: the telemetry flushes what the run recorded.
            await DisposeAsync(telemetry).ConfigureAwait(false);
            journal?.Dispose();
        }
    }

    private static async ValueTask DisposeAsync(TelemetrySystem? telemetry)
    {
        if (telemetry is not null)
        {
            await telemetry.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static bool IsBadInput(Exception ex)
        => ex is TaskExecKitException or IOException or UnauthorizedAccessException or ArgumentException;

    internal static string Describe(Exception ex, string planPath) => ex switch
    {
        FileNotFoundException missing when IsPlan(missing.FileName, planPath) => $"{planPath}: the plan file does not exist.",
        DirectoryNotFoundException when !File.Exists(planPath) => $"{planPath}: the plan file does not exist.",
        TaskExecKitException => ex.Message,
        ArgumentException => $"bad setting: {ex.Message}",

        // IO and permission errors name the path they concern.
        _ => ex.Message,
    };

    private static bool IsPlan(string? fileName, string planPath)
        => fileName is not null && string.Equals(Path.GetFullPath(fileName), Path.GetFullPath(planPath), StringComparison.Ordinal);

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine("task-exec-kit: error: " + message);
        return BadInput;
    }

    internal static string Summary(RunResult result)
    {
        var counts = result.Tasks.GroupBy(t => t.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Word(g.Key)}");
        string status = result.Status switch
        {
            RunStatus.Succeeded => "ok",
            RunStatus.Cancelled => "cancelled",
            _ => "failed",
        };
        string where = result.RunDirectory is null ? string.Empty : $"; evidence in {Path.GetRelativePath(Environment.CurrentDirectory, result.RunDirectory)}";
        string dry = result.IsDryRun ? " (dry run)" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"run {status}{dry}: {result.Tasks.Count} tasks ({string.Join(", ", counts)}) in {(result.FinishedAt - result.StartedAt).TotalSeconds:0.0} s{where}");
    }

    internal static string Word(TaskRunStatus status) => status switch
    {
        TaskRunStatus.Succeeded => "ok",
        TaskRunStatus.Failed => "failed",
        TaskRunStatus.TimedOut => "timed out",
        TaskRunStatus.Cancelled => "cancelled",
        TaskRunStatus.Skipped => "skipped",
        TaskRunStatus.NeedsReview => "needs review",
        _ => "denied",
    };

    /// <summary>Prints task state changes: one plain line each when redirected, a live status line on a terminal.</summary>
    /// <summary>Applies the command line's executor settings (workers, runs folder, dry run, fail fast), for a plain run and a hierarchy's executor alike.</summary>
    internal static void ApplyRunOptions(TaskExecutorBuilder builder, RunOptions options)
    {
        if (options.MaxWorkers is { } workers)
        {
            builder.MaxWorkers(workers);
        }

        if (options.RunsDirectory is { } runsDirectory)
        {
            builder.RunsDirectory(runsDirectory);
        }

        if (options.DryRun)
        {
            builder.DryRun();
        }

        if (options.FailFast)
        {
            builder.FailFast();
        }
    }

    internal sealed class ProgressDisplay(TextWriter output, bool interactive) : IProgress<TaskProgress>
    {
        private readonly Lock _gate = new();
        private readonly HashSet<string> _running = new(StringComparer.Ordinal);
        private int _statusLength;

        public void Report(TaskProgress value)
        {
            lock (_gate)
            {
                if (value.Kind == TaskProgressKind.Started)
                {
                    _running.Add(value.TaskId);
                    if (!interactive)
                    {
                        output.WriteLine($"started   {value.TaskId}");
                    }
                }
                else
                {
                    _running.Remove(value.TaskId);
                    var result = value.Result!;
                    bool noteworthy = result.Status is not (TaskRunStatus.Succeeded or TaskRunStatus.Skipped or TaskRunStatus.Cancelled);
                    if (!interactive || noteworthy)
                    {
                        ClearStatus();
                        string reason = result.Reason is null || result.Status == TaskRunStatus.Succeeded ? string.Empty : $": {result.Reason}";
                        output.WriteLine($"{Word(result.Status).PadRight(9)} {result.TaskId}{reason}");
                    }
                }

                if (interactive)
                {
                    string running = string.Join(", ", _running.Take(4)) + (_running.Count > 4 ? $" +{_running.Count - 4}" : string.Empty);
                    string line = $"[{value.FinishedCount}/{value.TotalCount}] running: {running}";
                    int width = Math.Max(20, SafeWidth() - 1);
                    line = line.Length > width ? line[..width] : line;
                    ClearStatus();
                    output.Write(line);
                    _statusLength = line.Length;
                }
            }
        }

        public void Complete()
        {
            lock (_gate)
            {
                ClearStatus();
            }
        }

        private void ClearStatus()
        {
            if (_statusLength > 0)
            {
                output.Write("\r" + new string(' ', _statusLength) + "\r");
                _statusLength = 0;
            }
        }

        private static int SafeWidth()
        {
            try
            {
                return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
            }
            catch (IOException)
            {
                return 80;
            }
        }
    }
}

/// <summary>The run command's options, as given.</summary>
internal sealed record RunOptions(
    string PlanPath,
    int? MaxWorkers,
    bool DryRun,
    bool FailFast,
    string ConfigDirectory,
    bool ConfigGiven,
    string? RunsDirectory,
    IReadOnlyList<string> Grants)
{
    /// <summary>Gets the runtime directory telemetry is recorded under; null records none.</summary>
    public string? RuntimeDirectory { get; init; }

    /// <summary>Gets the journaled run to continue, or null for a new run.</summary>
    public string? ResumeRunId { get; init; }

    /// <summary>Gets the hierarchy.toml to run the plan through a CECCA with, or null for a plain run.</summary>
    public string? HierarchyPath { get; init; }
}
