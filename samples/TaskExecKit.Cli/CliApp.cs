using System.CommandLine;
using TaskExecKit.Cli.Commands;

namespace TaskExecKit.Cli;

/// <summary>The <c>task-exec-kit</c> command tree.</summary>
internal static class CliApp
{
    internal static RootCommand CreateRoot()
    {
        var root = new RootCommand("task-exec-kit: plan a markdown source of truth into a task graph and run it with TaskExecKit.");
        root.Subcommands.Add(PlanCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(MonitorCommand.Create());
        root.Subcommands.Add(AICommand.Create());
        root.Subcommands.Add(AutonomousCommand.Create());
        return root;
    }
}
