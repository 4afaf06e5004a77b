using System.CommandLine;
using TaskExecKit.Cli;

namespace TaskExecKit.Tests.Cli;

/// <summary>Runs the task-exec-kit command tree in process, capturing what it prints.</summary>
internal static class CliHarness
{
    internal static async Task<(int ExitCode, string Output, string Error)> RunAsync(string workingDirectory, params string[] args)
    {
        // Paths in arguments are resolved against the given directory, as a user's shell would.
        string[] resolved = [.. args.Select(a => a.StartsWith('@') ? Path.Combine(workingDirectory, a[1..]) : a)];
        using var output = new StringWriter();
        using var error = new StringWriter();
        var config = new InvocationConfiguration { Output = output, Error = error };
        int code = await CliApp.CreateRoot().Parse(resolved).InvokeAsync(config);
        return (code, output.ToString(), error.ToString());
    }
}
