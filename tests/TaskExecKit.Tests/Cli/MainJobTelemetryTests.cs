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
}
