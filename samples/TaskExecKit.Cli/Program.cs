// task-exec-kit: a thin command-line demo over the TaskExecKit library.
using System.CommandLine;
using TaskExecKit.Cli.Commands;

var root = new RootCommand("task-exec-kit: plan a markdown source of truth into a task graph and run it with TaskExecKit.");
root.Subcommands.Add(PlanCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
