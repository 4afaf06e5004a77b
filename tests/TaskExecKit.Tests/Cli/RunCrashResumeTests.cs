using System.Diagnostics;
using System.Text;
using System.Text.Json;
using TaskExecKit.Execution;
using TaskExecKit.Sqlite;
using Xunit;

namespace TaskExecKit.Tests.Cli;

/// <summary>
/// Kills the real CLI process (SIGKILL) at random points of a 1,000-task run, resumes it each time, and compares
/// the end result with an uninterrupted run of the same plan.
/// </summary>
public sealed class RunCrashResumeTests
{
    private const int TaskCount = 1000;
    private const int Kills = 10;
    private const int MaxWorkers = 4;

    [Fact]
    public async Task Run_KilledTenTimesAtRandomPointsThenResumed_EndsAsAnUninterruptedRunAndNoFinishedTaskRunsAgain()
    {
        using var temp = new TempDirectory();
        temp.CreateDirectory("config");
        string marks = temp.CreateDirectory("marks");
        string cleanMarks = temp.CreateDirectory("clean-marks");
        string cli = Path.Combine(AppContext.BaseDirectory, "task-exec-kit.dll");

        // The uninterrupted run, for the expected statuses.
        temp.File("clean.json", PlanJson(cleanMarks));
        using (var clean = Start(cli, temp.Path, Args(temp, "clean.json", "clean", cleanMarks)))
        {
            var (code, output) = await WaitAsync(clean);
            Assert.True(code == 2, output); // some tasks fail by design
        }

        var expected = Statuses(Assert.Single(Directory.GetDirectories(temp.Combine("runs-clean"))));
        Assert.Equal(TaskCount, expected.Count);
        Assert.Contains("failed", expected.Values);
        Assert.Contains("skipped", expected.Values);

        temp.File("plan.json", PlanJson(marks));
        string[] args = Args(temp, "plan.json", "crash", marks);
        var random = new Random(20261125);
        int killed = 0;

        // The first run and each resume are killed once they have started a random number of tasks: the kill lands
        // mid-run however fast or loaded the machine is. At most 10 x 80 = 800 starts, so the run is never done early.
        using (var first = Start(cli, temp.Path, args))
        {
            killed += await KillAfterStartsAsync(first, random.Next(10, 80)) ? 1 : 0;
        }

        string runId = Assert.Single(Directory.GetDirectories(temp.Combine("runs-crash"))).Split(Path.DirectorySeparatorChar)[^1];
        string[] resume = [.. args, "--resume", runId];
        while (killed < Kills)
        {
            using var resumed = Start(cli, temp.Path, resume);
            Assert.True(await KillAfterStartsAsync(resumed, random.Next(10, 80)), "a resumed run finished before it could be killed");
            killed++;
        }

        using (var last = Start(cli, temp.Path, resume))
        {
            var (code, output) = await WaitAsync(last);
            Assert.True(code == 2, output);
        }

        // Nothing lost, and the same end as the uninterrupted run, task by task.
        var actual = Statuses(Path.Combine(temp.Combine("runs-crash"), runId));
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.OrderBy(kv => kv.Key, StringComparer.Ordinal));

        using var journal = SqliteRunJournal.Open(temp.Combine("runtime-crash", "database", "state", "runs.db"));
        var state = await journal.LoadAsync(runId, default);
        Assert.NotNull(state);
        int extraStarts = 0;
        foreach (var task in state.Tasks)
        {
            // Every started task finished, and ran (left a line) at least once and never more often than it was started.
            Assert.NotNull(task.Status);
            int executions = Executions(marks, task.TaskId);
            Assert.InRange(executions, 1, task.Starts);
            extraStarts += task.Starts - 1;
        }

        // A task is started again only when it was in flight at a kill: at most MaxWorkers per kill. A finished task
        // started again would push this past the bound over ten kills.
        Assert.InRange(extraStarts, 0, Kills * MaxWorkers);
        var journaled = state.Tasks.Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, status) in expected)
        {
            // Skipped tasks never start; every other task is in the journal with the expected result.
            Assert.Equal(status != "skipped", journaled.Contains(id));
            if (status == "skipped")
            {
                Assert.Equal(0, Executions(marks, id));
            }
        }
    }

    /// <summary>
    /// 1,000 shell tasks. Each appends a line to its own file (one line per execution, so re-runs are counted even
    /// across kills); every 50th exits 3 after marking and the task after it needs it, so it is skipped.
    /// </summary>
    private static string PlanJson(string marks)
    {
        var tasks = new StringBuilder();
        for (int i = 0; i < TaskCount; i++)
        {
            bool fails = i % 50 == 7;
            bool blocked = i % 50 == 8;
            string script = $"echo x >> {marks}/t{i}" + (fails ? "; exit 3" : string.Empty);
            string needs = blocked ? $$""", "needs": ["t{{i - 1}}"]""" : string.Empty;
            tasks.Append(i == 0 ? string.Empty : ",\n").Append(
                $$"""{ "id": "t{{i}}", "title": "T{{i}}", "run": ["sh", "-c", "{{script}}"], "effects": ["process:sh", "fs.write:{{marks}}"]{{needs}} }""");
        }

        return $$"""{ "version": 2, "queues": [ { "name": "Q", "tasks": [ {{tasks}} ] } ] }""";
    }

    private static string[] Args(TempDirectory temp, string plan, string name, string marks) =>
        ["run", "--plan", temp.Combine(plan), "--runs", temp.Combine("runs-" + name), "--runtime", temp.Combine("runtime-" + name),
         "--config", temp.Combine("config"), "--max-workers", MaxWorkers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--grant", "fs.read:/", "--grant", "fs.write:" + marks];

    private static Dictionary<string, string> Statuses(string runDirectory)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDirectory, "run.json")));
        return json.RootElement.GetProperty("tasks").EnumerateArray()
            .ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("status").GetString()!, StringComparer.Ordinal);
    }

    private static int Executions(string marks, string taskId)
    {
        string path = Path.Combine(marks, taskId);
        return File.Exists(path) ? File.ReadAllLines(path).Length : 0;
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

    private static async Task<(int Code, string Output)> WaitAsync(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    /// <summary>Reads the run's lines until it has started <paramref name="starts"/> tasks, then kills it (SIGKILL); false when it ended first.</summary>
    private static async Task<bool> KillAfterStartsAsync(Process process, int starts)
    {
        _ = process.StandardError.ReadToEndAsync();
        int seen = 0;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("started ", StringComparison.Ordinal) && ++seen >= starts)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                return true;
            }
        }

        await process.WaitForExitAsync();
        return false;
    }
}
