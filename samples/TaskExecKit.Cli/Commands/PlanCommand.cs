using System.CommandLine;
using System.Globalization;
using TaskExecKit.Planning;

namespace TaskExecKit.Cli.Commands;

/// <summary><c>task-exec-kit plan --sot sot.md --out plan.json [--explain]</c>: read, validate and write a plan.</summary>
internal static class PlanCommand
{
    internal static Command Create()
    {
        var sot = new Option<FileInfo>("--sot") { Description = "The markdown source of truth to read (sot.md v1 or v2).", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the plan.", DefaultValueFactory = _ => new FileInfo("plan.json") };
        var explain = new Option<bool>("--explain") { Description = "Print levels, critical path, width and wall-time estimates." };
        var workers = new Option<int>("--max-workers") { Description = "Workers to estimate the wall time for (with --explain).", DefaultValueFactory = _ => Environment.ProcessorCount };

        var command = new Command("plan", "Read a sot.md, validate it and write plan.json.") { sot, output, explain, workers };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(
                () => RunAsync(parse.GetRequiredValue(sot), parse.GetRequiredValue(output), parse.GetValue(explain), parse.GetValue(workers), stdout, stderr),
                stderr);
        });
        return command;
    }

    internal static async Task<int> RunAsync(FileInfo sot, FileInfo output, bool explain, int maxWorkers, TextWriter stdout, TextWriter stderr)
    {
        if (maxWorkers < 1)
        {
            await stderr.WriteLineAsync($"task-exec-kit: error: --max-workers must be at least 1, not {maxWorkers}").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        var plan = Plan.FromSot(sot.FullName, new PlanReadOptions { WorkingDirectory = Environment.CurrentDirectory });
        var validation = plan.Validate();
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
