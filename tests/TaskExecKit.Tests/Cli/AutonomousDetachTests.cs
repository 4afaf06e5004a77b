using System.Diagnostics;
using System.Text.RegularExpressions;

namespace TaskExecKit.Tests.Cli;

/// <summary><c>autonomous start --detach</c>: a real background process, reached through the runtime directory.</summary>
public sealed partial class AutonomousDetachTests
{
    [Fact]
    public async Task StartDetach_RunsInABackgroundProcess_StatusSeesIt_StopGracefulEndsIt()
    {
        using var dir = new TempDirectory();
        dir.File("config/autonomous.toml", "cycle_interval = \"100ms\"\n[limits]\nmax_iterations = 100000\n");
        dir.File("config/core.toml", $"runtime_dir = \"{dir.Combine("runtime")}\"\nruns_dir = \"{dir.Combine("runs")}\"\n");
        dir.File("config/safety.toml", $"kill_switch_file = \"{dir.Combine("runtime", "state", "KILL")}\"\n");
        int pid = 0;
        try
        {
            var (code, output, error) = await CliHarness.RunAsync(dir.Path, "autonomous", "start", "--config", "@config", "--goal", "background goal", "--detach");
            Assert.True(code == 0, error + output);
            var match = Pid().Match(output);
            Assert.True(match.Success, output);
            pid = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.NotEqual(Environment.ProcessId, pid);
            Assert.True(IsAlive(pid), $"pid {pid} is not running: {output}");

            // Only one engine per runtime directory: a second detached start is refused here, in this terminal.
            (code, _, error) = await CliHarness.RunAsync(dir.Path, "autonomous", "start", "--config", "@config", "--detach");
            Assert.Equal(1, code);
            Assert.Contains("Another autonomous engine is already running", error, StringComparison.Ordinal);

            (code, output, error) = await CliHarness.RunAsync(dir.Path, "autonomous", "status", "--config", "@config");
            Assert.True(code == 0, error);
            Assert.Contains("running", output, StringComparison.Ordinal);

            (code, output, error) = await CliHarness.RunAsync(dir.Path, "autonomous", "stop", "--graceful", "--config", "@config");
            Assert.True(code == 0, error + output);
            Assert.Contains("stopped: stop requested through runtime/state/STOP (graceful)", output, StringComparison.Ordinal);
            await WaitUntilAsync(() => !IsAlive(pid), TimeSpan.FromSeconds(60));

            // Its output went to runtime/logs, not to this terminal.
            string log = Assert.Single(Directory.GetFiles(dir.Combine("runtime", "logs"), "autonomous-*.log"));
            string text = File.ReadAllText(log);
            Assert.Contains("autonomous engine started", text, StringComparison.Ordinal);
            Assert.Contains("autonomous engine stopped after", text, StringComparison.Ordinal);
        }
        finally
        {
            if (pid != 0 && IsAlive(pid))
            {
                // Only the process this test started, by its id.
                Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"pid (\d+)")]
    private static partial Regex Pid();
}
