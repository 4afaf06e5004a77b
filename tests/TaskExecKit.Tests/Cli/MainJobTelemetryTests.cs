using TaskExecKit.Cli.Commands;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Cli;

/// <summary>A run through the CLI leaves telemetry that `monitor` reads: metrics, and an audit trail that verifies.</summary>
public sealed class MainJobTelemetryTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Run_WithARuntimeDirectory_RecordsTasksAndEffectsThatMonitorReads()
    {
        string plan = _temp.WriteFile("plan.json", """
            { "version": 2, "queues": [ { "name": "Q", "tasks": [
              { "id": "done", "title": "D", "done": true },
              { "id": "echo", "title": "E", "agent": "shell", "run": ["echo", "hi"], "effects": ["process:echo"], "needs": ["done"] },
              { "id": "nope", "title": "N", "agent": "shell", "run": ["touch", "x"], "effects": ["fs.write:."] }
            ] } ] }
            """);
        string runtime = _temp.Combine("runtime");
        var options = new RunOptions(plan, 2, false, false, _temp.Combine("config"), false, _temp.Combine("runs"), []) { RuntimeDirectory = runtime };
        var output = new StringWriter();

        int exit = await RunCommand.RunAsync(options, output, new StringWriter(), interactive: false, CancellationToken.None);

        Assert.Equal(2, exit);
        Assert.Contains("telemetry: sqlite", output.ToString(), StringComparison.Ordinal);
        await using var telemetry = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = runtime });
        var metrics = await telemetry.GetMetricsAsync(TimeRange.LastHour);
        Assert.Equal(1, metrics.Overall.TasksSucceeded);
        Assert.Equal(2, metrics.Overall.TasksFinished);
        await telemetry.DisposeAsync();

        var (code, verify, _) = await CliHarness.RunAsync(_temp.Path, "monitor", "audit", "--verify", "--runtime", runtime, "--since", "1 hour ago");
        Assert.Equal(0, code);
        Assert.Contains("verified", verify, StringComparison.Ordinal);
        Assert.Contains("process:", verify, StringComparison.Ordinal);
        Assert.Contains("EffectDenied", verify, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadmeMainCommand_LeavesTelemetryThatMonitorMetricsAndAuditVerifyReadAsJson()
    {
        // README: plan --sot samples/sot.md --out plan.json, then run --plan plan.json (runtime defaults to ./runtime).
        string samples = Path.Combine(PlanCommandTests.RepoRoot(), "samples");
        string sot = _temp.WriteFile("samples/sot.md", File.ReadAllText(Path.Combine(samples, "sot.md")));
        var (planCode, planOut, planErr) = await CliHarness.RunAsync(_temp.Path, "plan", "--sot", sot, "--out", _temp.Combine("plan.json"));
        Assert.True(planCode == 0, planOut + planErr);
        var (runCode, runOut, runErr) = await CliHarness.RunAsync(_temp.Path, "run", "--plan", _temp.Combine("plan.json"), "--runtime", _temp.Combine("runtime"), "--runs", _temp.Combine("runs"));
        // The harness runs in this process, whose working directory is not the temp folder, so the sample's
        // relative `wc -l samples/sot.md` may fail (exit 2); either way the run leaves its telemetry.
        Assert.True(runCode is 0 or 2, runOut + runErr);

        var (code, json, error) = await CliHarness.RunAsync(_temp.Path, "monitor", "metrics", "--agent-id", "shell", "--since", "1 hour ago", "--runtime", _temp.Combine("runtime"), "--json");
        Assert.True(code == 0, error);
        using (var doc = System.Text.Json.JsonDocument.Parse(json))
        {
            var shell = doc.RootElement.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("agentId").GetString() == "shell");
            Assert.True(shell.GetProperty("tasksFinished").GetInt64() > 0);

            // Starts carry the agent too, so an agent's started and finished counts agree.
            Assert.Equal(shell.GetProperty("tasksFinished").GetInt64(), shell.GetProperty("tasksStarted").GetInt64());
        }

        (code, json, error) = await CliHarness.RunAsync(_temp.Path, "monitor", "audit", "--since", "1 hour ago", "--verify", "--runtime", _temp.Combine("runtime"), "--json");
        Assert.True(code == 0, error);
        using (var doc = System.Text.Json.JsonDocument.Parse(json))
        {
            Assert.True(doc.RootElement.GetProperty("verification").GetProperty("valid").GetBoolean());
            Assert.True(doc.RootElement.GetProperty("entries").GetArrayLength() > 0);
        }
    }
}
