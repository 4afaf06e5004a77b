using System.Globalization;
using TaskExecKit.Configuration;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Hierarchy;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Cli.Commands;

/// <summary>
/// <c>task-exec-kit run --plan plan.json --hierarchy hierarchy.toml</c>: runs the plan through a CECCA configured
/// from the file (commanders, stacks from the CLI's agents, budget, failure policy), through one executor with
/// the same settings as <c>run</c>, and prints each commander's report. Exit codes as <c>run</c>.
/// </summary>
internal static class HierarchyRun
{
    internal static async Task<int> RunAsync(RunOptions options, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        string hierarchyPath = options.HierarchyPath!;
        if (options.ResumeRunId is not null)
        {
            return Fail(error, "--resume cannot be used with --hierarchy: a CECCA run is not journaled; run it again instead.");
        }

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

        if (!File.Exists(hierarchyPath))
        {
            return Fail(error, $"--hierarchy {hierarchyPath}: the file does not exist.");
        }

        TelemetrySystem? telemetry = null;
        var display = new RunCommand.ProgressDisplay(output, interactive);
        try
        {
            Cecca cecca;
            Plan plan;
            EngineConfig engineConfig;
            string? aiProblem = null;
            try
            {
                engineConfig = Directory.Exists(options.ConfigDirectory) ? EngineConfig.Load(options.ConfigDirectory) : EngineConfig.Default;
                plan = options.PlanPath.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? Plan.FromSot(options.PlanPath) : Plan.Load(options.PlanPath);
                if (options.RuntimeDirectory is { } runtime && engineConfig.Telemetry.Enabled)
                {
                    var telemetryOptions = new TelemetryOptions { RuntimeDirectory = runtime };
                    telemetryOptions.Alerts.UseThresholds(engineConfig.Telemetry.Alerts);
                    telemetryOptions.Alerts.WebhookPolicy = EffectPolicy.Create([.. engineConfig.Safety.Grants.ToCapabilities(), .. capabilities]);
                    telemetry = new TelemetrySystem(telemetryOptions);
                }

                var recorder = telemetry;
                var catalog = CliAgents.Catalog(engineConfig, ai =>
                {
                    if (recorder is not null)
                    {
                        ai.Telemetry(recorder);
                    }
                }, out aiProblem);
                var builder = Cecca.Builder()
                    .Configure(hierarchyPath, catalog)
                    .Executor(x =>
                    {
                        x.Configure(engineConfig);
                        RunCommand.ApplyRunOptions(x, options);

                        x.ConfigDirectory(options.ConfigDirectory).Grant(capabilities).Progress(display);
                    });
                if (telemetry is not null)
                {
                    builder.Telemetry(telemetry);
                }

                cecca = builder.Build();
            }
            catch (ConfigurationException ex) when (aiProblem is not null)
            {
                return Fail(error, ex.Message + Environment.NewLine + "  note: " + aiProblem);
            }

            CeccaResult result;
            try
            {
                result = await cecca.RunAsync(plan, $"run {Path.GetFileName(options.PlanPath)}", cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentOutOfRangeException ex) when (ex.ParamName == nameof(TaskExecutorBuilder.MaxWorkers))
            {
                return Fail(error, $"--max-workers {options.MaxWorkers}: must be between 1 and {TaskExecutorBuilder.MaxWorkersLimit}.");
            }
            catch (PlanValidationException ex) when (aiProblem is not null && ex.Message.Contains("'" + CliAgents.AI + "'", StringComparison.Ordinal))
            {
                return Fail(error, ex.Message + Environment.NewLine + "  note: " + aiProblem);
            }

            display.Complete();
            output.WriteLine(RunCommand.Summary(result.Run));
            output.WriteLine(Report(cecca, result));
            if (telemetry is not null)
            {
                output.WriteLine($"telemetry: {telemetry.StoreDescription}");
            }

            return result.Run.Status switch
            {
                RunStatus.Succeeded => RunCommand.Ok,
                RunStatus.Cancelled when result.StopReason is null => RunCommand.Interrupted,
                _ => RunCommand.TaskFailed,
            };
        }
        catch (Exception ex) when (RunCommand.IsBadInput(ex))
        {
            return Fail(error, RunCommand.Describe(ex, options.PlanPath));
        }
        finally
        {
            if (telemetry is not null)
            {
                await telemetry.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The CECCA's use of its budget, each commander's report, and why it stopped (when a budget stopped it).</summary>
    internal static string Report(Cecca cecca, CeccaResult result)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"hierarchy {cecca.Name}: budget [{cecca.Budget}]; used {Usage(result.Usage)}").AppendLine();
        foreach (var c in result.Commanders)
        {
            text.Append(CultureInfo.InvariantCulture, $"  commander {c.Name}: {c.Assigned} assigned, {c.Succeeded} succeeded, {c.Failed} failed; budget [{c.Budget}]; used {Usage(c.Usage)}");
            if (c.ExhaustedReason is { } spent)
            {
                text.Append("; exhausted: ").Append(spent);
            }

            text.AppendLine();
        }

        int delegated = result.Decisions.Count(d => d.Decision == "cecca.delegate");
        int escalated = result.Decisions.Count(d => d.Decision == "cecca.escalate");
        text.Append(CultureInfo.InvariantCulture, $"  decisions: {result.Decisions.Count} ({delegated} delegated, {escalated} escalated)");
        if (result.StopReason is { } reason)
        {
            text.AppendLine().Append("  stopped: ").Append(reason);
        }

        return text.ToString();
    }

    private static string Usage(Agents.BudgetUsage usage)
        => string.Create(CultureInfo.InvariantCulture, $"{usage.Tasks} tasks, {usage.Tokens} tokens, cost {usage.Cost}, {usage.Elapsed.TotalSeconds:0.0} s");

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine("task-exec-kit: error: " + message);
        return RunCommand.BadInput;
    }
}
