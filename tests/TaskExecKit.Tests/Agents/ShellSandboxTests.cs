using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Agents;

/// <summary>
/// The shell agent under the Bubblewrap sandbox, with real processes: what in-process checks
/// cannot stop (a granted program writing where it likes, a child that detaches) the sandbox
/// does. CI installs bubblewrap, so there these tests always run; on a machine without bwrap they
/// have nothing to exercise and return.
/// </summary>
public sealed class ShellSandboxTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _work;

    public ShellSandboxTests() => _work = _temp.CreateDirectory("work");

    public void Dispose() => _temp.Dispose();

    private static bool BubblewrapAvailable()
    {
        bool present = File.Exists("/usr/bin/bwrap") || File.Exists("/bin/bwrap");
        Assert.True(present || Environment.GetEnvironmentVariable("CI") != "true", "CI must install bubblewrap (.ci/run does) so the sandbox is exercised.");
        return present;
    }

    private async Task<(TaskRunResult Task, string Log)> RunSandboxedAsync(Action<PlanTaskBuilder> task)
    {
        var plan = Plan.Builder().Task("t", task).Build();
        await using var executor = TaskExecutor.Builder()
            .WorkingDirectory(_work)
            .RunsDirectory(_temp.Combine("runs"))
            .Agents(AgentRegistry.CreateDefault(new ShellAgentOptions { Sandbox = ShellSandbox.Bubblewrap }))
            .Build();
        var result = await executor.RunAsync(plan, CancellationToken.None);
        return (result.Tasks[0], File.ReadAllText(result.Tasks[0].LogPath!));
    }

    [Fact]
    public async Task Sandbox_GrantedProgramWritingOutsideItsWriteGrant_NeverReachesTheDisk()
    {
        if (!BubblewrapAvailable())
        {
            return;
        }

        string outDir = Directory.CreateDirectory(Path.Combine(_work, "out")).FullName;
        string escape = Path.Combine(_work, "escape.txt");
        string home = Path.Combine(_temp.Path, "outside.txt");
        string allowed = Path.Combine(outDir, "ok.txt");

        // The policy grants sh and writes under out/ only; what sh writes is beyond an in-process check.
        var (task, log) = await RunSandboxedAsync(t => t
            .Run("sh", "-c", $"echo x > {escape}; echo x > {home}; echo ok > {allowed}; echo done")
            .Effects(Capability.Process("sh"), Capability.FileRead("."), Capability.FileWrite("out")));

        Assert.True(File.Exists(allowed), log);
        Assert.False(File.Exists(escape), log);
        Assert.False(File.Exists(home), log);
        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
    }

    [Fact]
    public async Task Sandbox_ChildThatDetaches_DiesWithTheTask()
    {
        if (!BubblewrapAvailable())
        {
            return;
        }

        // A distinctive duration marks our sleeper among the machine's processes.
        string seconds = (300 + Random.Shared.Next(1, 600)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (task, log) = await RunSandboxedAsync(t => t
            .Run("sh", "-c", $"setsid sleep {seconds} > /dev/null 2>&1 < /dev/null & echo started")
            .Effects(Capability.Process("sh"), Capability.FileRead(".")));

        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
        Assert.Contains("started", log, StringComparison.Ordinal);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(5);
        while (SleepersWith(seconds) > 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Equal(0, SleepersWith(seconds));
    }

    private static int SleepersWith(string seconds)
    {
        int count = 0;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline == $"sleep\0{seconds}\0")
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to read.
            }
        }

        return count;
    }
}
