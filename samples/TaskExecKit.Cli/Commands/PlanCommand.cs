using System.CommandLine;
using System.Globalization;
using TaskExecKit.Planning;

namespace TaskExecKit.Cli.Commands;

/// <summary><c>task-exec-kit plan --sot sot.md --out plan.json [--explain]</c>: read, validate and write a plan.</summary>
internal static class PlanCommand
{
    internal static Command Create()
    {
        var sot = new Option<FileInfo>("--sot") { Description = "The markdown source of truth to read (sot.md v1 or v2); with --goal, where the new one is written (sot.md by default)." };
        var goal = new Option<string>("--goal") { Description = "Ask the configured AI provider (ai.toml; offline by default) for a plan for this goal, validate it, and write it to --sot." };
        var config = new Option<string>("--config") { Description = "The configuration folder: agents/*.toml (agent names the plan may use, as `run` registers them) and ai.toml (used with --goal).", DefaultValueFactory = _ => "config" };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the plan.", DefaultValueFactory = _ => new FileInfo("plan.json") };
        var explain = new Option<bool>("--explain") { Description = "Print levels, critical path, width and wall-time estimates." };
        var workers = new Option<int>("--max-workers") { Description = "Workers to estimate the wall time for (with --explain).", DefaultValueFactory = _ => Environment.ProcessorCount };

        var command = new Command("plan", "Read a sot.md (or ask the AI planner for one with --goal), validate it and write plan.json.") { sot, output, explain, workers, goal, config };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(
                async () =>
                {
                    FileInfo? sotFile = parse.GetValue(sot);
                    if (parse.GetValue(goal) is { } goalText)
                    {
                        sotFile ??= new FileInfo("sot.md");
                        int planned = await PlanGoalAsync(goalText, sotFile, parse.GetRequiredValue(config), stdout, stderr, cancellationToken).ConfigureAwait(false);
                        if (planned != CliErrors.Ok)
                        {
                            return planned;
                        }
                    }
                    else if (sotFile is null)
                    {
                        await stderr.WriteLineAsync("task-exec-kit: error: give --sot <file> to read a plan, or --goal \"...\" to ask the AI planner for one.").ConfigureAwait(false);
                        return CliErrors.BadInput;
                    }

                    return await RunAsync(sotFile, parse.GetRequiredValue(output), parse.GetValue(explain), parse.GetValue(workers), stdout, stderr, parse.GetRequiredValue(config)).ConfigureAwait(false);
                },
                stderr);
        });
        return command;
    }

    /// <summary>Asks the configured provider for a plan for the goal; writes the sot.md only when the plan is valid and the file is new.</summary>
    internal static async Task<int> PlanGoalAsync(string goal, FileInfo sot, string configDirectory, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(goal))
        {
            await stderr.WriteLineAsync("task-exec-kit: error: --goal is empty; say what the plan should achieve.").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        if (sot.Exists)
        {
            await stderr.WriteLineAsync($"task-exec-kit: error: {Relative(sot.FullName)} exists; the planner does not overwrite a source of truth. Pass another --sot path.").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        var engineConfig = Directory.Exists(configDirectory) ? Configuration.EngineConfig.Load(configDirectory) : Configuration.EngineConfig.Default;
        var builder = AIAgent.Builder().Id("planner").Configure(engineConfig.AI);
        if (string.Equals(engineConfig.AI.Provider, "offline", StringComparison.OrdinalIgnoreCase))
        {
            builder.OfflineRules([.. AI.AIPlanner.OfflineRules]);
        }

        AIAgent agent;
        try
        {
            agent = builder.Build();
        }
        catch (InvalidOperationException ex)
        {
            await stderr.WriteLineAsync($"task-exec-kit: error: the AI provider is not usable: {ex.Message}").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        var result = await new AI.AIPlanner(agent).PlanAsync(goal, cancellationToken).ConfigureAwait(false);
        if (!result.IsValid)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"task-exec-kit: the {result.LastResponse.Provider} provider gave no valid plan in {result.Attempts} answer(s); {Relative(sot.FullName)} was not written:")).ConfigureAwait(false);
            foreach (string error in result.Errors)
            {
                await stderr.WriteLineAsync("  " + error).ConfigureAwait(false);
            }

            return CliErrors.BadInput;
        }

        if (sot.Directory is { Exists: false } directory)
        {
            directory.Create();
        }

        await File.WriteAllTextAsync(sot.FullName, result.Markdown, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Planned with {result.LastResponse.Provider}/{result.LastResponse.Model} in {result.Attempts} answer(s): wrote {Relative(sot.FullName)}")).ConfigureAwait(false);
        return CliErrors.Ok;
    }

    internal static async Task<int> RunAsync(FileInfo sot, FileInfo output, bool explain, int maxWorkers, TextWriter stdout, TextWriter stderr, string configDirectory = "config")
    {
        if (maxWorkers < 1)
        {
            await stderr.WriteLineAsync($"task-exec-kit: error: --max-workers must be at least 1, not {maxWorkers}").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        var plan = Plan.FromSot(sot.FullName, new PlanReadOptions { WorkingDirectory = Environment.CurrentDirectory });
        // The agent names `run` registers: noop, shell, ai and the agents of agents/*.toml.
        var engineConfig = Directory.Exists(configDirectory) ? Configuration.EngineConfig.Load(configDirectory) : Configuration.EngineConfig.Default;
        var validation = plan.Validate(CliAgents.ValidationOptions(engineConfig));
        if (!validation.IsValid)
        {
            // Nothing is written: an existing plan.json stays as it was.
            string count = validation.Diagnostics.Count == 1 ? "1 problem" : $"{validation.Diagnostics.Count} problems";
            await stderr.WriteLineAsync($"task-exec-kit: {Relative(sot.FullName)} has {count}; {Relative(output.FullName)} was not written:").ConfigureAwait(false);
            foreach (var d in validation.Diagnostics)
            {
                await stderr.WriteLineAsync("  " + (d with { Location = d.Location is { } at ? at with { File = Relative(at.File ?? sot.FullName) } : null })).ConfigureAwait(false);
            }

            return CliErrors.BadInput;
        }

        plan.Save(output.FullName);
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {Relative(output.FullName)}: sot.md v{plan.Version}, {plan.Queues.Count} queue(s), {plan.Tasks.Count} task(s)")).ConfigureAwait(false);
        if (plan.Tasks.Count == 0)
        {
            // Valid (a legacy file without its queue section plans nothing), but rarely what the author meant.
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"task-exec-kit: warning: {Relative(sot.FullName)} has no tasks. ") + (plan.Version == 1
                ? "It was read as version 1 (no task item with a backticked id, like \"- [ ] `TASK-010` Title\", was found), whose tasks come only from a \"### G. Execution Queue & Task Hooks\" section; see docs/sot-format.md."
                : "See docs/sot-format.md for the task items a version 2 file holds.")).ConfigureAwait(false);
        }

        if (explain)
        {
            await stdout.WriteAsync(Explain.Render(plan, plan.Analyze(), maxWorkers)).ConfigureAwait(false);
        }

        return CliErrors.Ok;
    }

    private static string Relative(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}
