using System.Diagnostics;
using System.Text;
using TaskExecKit.Execution;
using TaskExecKit.Sqlite;
using Xunit;

namespace TaskExecKit.Tests.Cli;

/// <summary>Kills the real CLI process at random moments of a run and resumes it until it finishes.</summary>
public sealed class RunCrashResumeTests
{
    private const int TaskCount = 300;

    [Fact]
    public async Task Run_KilledAtRandomMomentsThenResumed_EveryTaskFinishesAndNoFinishedTaskRunsAgain()
    {
        using var temp = new TempDirectory();
        temp.CreateDirectory("config");
        string marks = temp.CreateDirectory("marks");
        var tasks = new StringBuilder();
        for (int i = 0; i < TaskCount; i++)
        {
            // Each start leaves a mark file named after the task and a fresh id: a start is visible even after a kill.
            tasks.Append(i == 0 ? string.Empty : ",").Append(
                $$"""{ "id": "t{{i}}", "title": "T{{i}}", "run": ["sh", "-c", "mktemp {{marks}}/t{{i}}.XXXXXX >/dev/null"] }""");
        }

        temp.File("plan.json", $$"""{ "version": 2, "queues": [ { "name": "Q", "tasks": [ {{tasks}} ] } ] }""");
        string cli = Path.Combine(AppContext.BaseDirectory, "task-exec-kit.dll");
        string[] args = ["run", "--plan", temp.Combine("plan.json"), "--runs", temp.Combine("runs"), "--runtime", temp.Combine("runtime"), "--config", temp.Combine("config"),
            "--max-workers", "4", "--grant", "process:sh", "--grant", "process:mktemp", "--grant", "fs.read:/", "--grant", "fs.write:" + marks];
        var random = new Random(12345);

        // The first run: killed once it has started some tasks.
        using (var first = Start(cli, temp.Path, args))
        {
            Assert.True(await KillAfterAsync(first, TimeSpan.FromMilliseconds(random.Next(300, 1500))), "the first run finished before it could be killed");
        }

        string runId = Assert.Single(Directory.GetDirectories(temp.Combine("runs"))).Split(Path.DirectorySeparatorChar)[^1];
        string[] resume = [.. args, "--resume", runId];
        for (int kill = 0; kill < 3; kill++)
        {
            using var resumed = Start(cli, temp.Path, resume);
            await KillAfterAsync(resumed, TimeSpan.FromMilliseconds(random.Next(200, 800)));
        }

        using (var last = Start(cli, temp.Path, resume))
        {
            string output = await last.StandardOutput.ReadToEndAsync();
            string error = await last.StandardError.ReadToEndAsync();
            await last.WaitForExitAsync();
            Assert.True(last.ExitCode == 0, output + error);
        }

        using var journal = SqliteRunJournal.Open(temp.Combine("runtime", "database", "state", "runs.db"));
        var state = await journal.LoadAsync(runId, default);
        Assert.NotNull(state);
        Assert.Equal(TaskCount, state.Tasks.Count);
        foreach (var task in state.Tasks)
        {
            Assert.Equal(TaskRunStatus.Succeeded, task.Status);
            int runs = Directory.GetFiles(marks, task.TaskId + ".*").Length;

            // Ran at least once, and never more often than it was started: a finished task is never started again.
            Assert.InRange(runs, 1, task.Starts);
            Assert.InRange(task.Starts, 1, 5);
        }
    }

    private static Process Start(string cli, string workingDirectory, string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(cli);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    private static async Task<bool> KillAfterAsync(Process process, TimeSpan delay)
    {
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        await Task.Delay(delay);
        bool killed = false;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            killed = true;
        }

        await process.WaitForExitAsync();
        return killed;
    }
}
