using System.Net;
using System.Text.Json.Nodes;
using TaskExecKit.Cli;
using TaskExecKit.Cli.Commands;
using TaskExecKit.Planning;

namespace TaskExecKit.Dashboard.Tests;

/// <summary><c>task-exec-kit monitor dashboard</c>: serves what <c>task-exec-kit run</c> recorded.</summary>
public sealed class MonitorDashboardCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tek-dash-cli-" + Guid.NewGuid().ToString("N"));

    public MonitorDashboardCommandTests() => Directory.CreateDirectory(_root);

    [Fact]
    public async Task MonitorDashboard_ShowsTheRunAndTelemetryThatRunRecorded()
    {
        string planPath = Path.Combine(_root, "plan.json");
        Plan.Builder()
            .Task("TASK-001", t => t.Title("Prepare").Agent("noop"))
            .Task("TASK-002", t => t.Title("Report").Agent("noop").Needs("TASK-001"))
            .Build()
            .Save(planPath);
        string runs = Path.Combine(_root, "runs"), runtime = Path.Combine(_root, "runtime");
        using (var output = new StringWriter())
        {
            var parse = CliApp.CreateRoot().Parse(["run", "--plan", planPath, "--runs", runs, "--runtime", runtime]);
            parse.InvocationConfiguration.Output = output;
            parse.InvocationConfiguration.Error = output;
            Assert.True(await parse.InvokeAsync() == 0, output.ToString());
        }

        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var serving = DashboardCommand.RunAsync("127.0.0.1", 0, new DirectoryInfo(runtime), new DirectoryInfo(runs), null, stdout, stderr, started.SetResult, cts.Token);
        var url = await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("dashboard access token (shown once", stdout.ToString(), StringComparison.Ordinal);

        using var client = new HttpClient { BaseAddress = url };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("")).StatusCode);
        var list = JsonNode.Parse(await client.GetStringAsync("api/runs"))!.AsArray();
        var run = Assert.Single(list);
        Assert.Equal("ok", (string?)run!["status"]);
        var detail = JsonNode.Parse(await client.GetStringAsync("api/runs/" + (string?)run["id"]))!;
        var second = detail["tasks"]!.AsArray().Single(t => (string?)t!["id"] == "TASK-002")!;
        Assert.Equal("TASK-001", (string?)second["needs"]![0]);
        var agents = JsonNode.Parse(await client.GetStringAsync("api/agents"))!;
        Assert.Equal(2, (long)agents["overall"]!["finished"]!);

        await cts.CancelAsync();
        Assert.Equal(0, await serving);
    }

    [Theory]
    [InlineData("not-an-address", 8080)]
    [InlineData("127.0.0.1", 70000)]
    public async Task MonitorDashboard_BadHostOrPort_ExitsOneWithTheProblem(string host, int port)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await DashboardCommand.RunAsync(host, port, new DirectoryInfo(_root), new DirectoryInfo(_root), null, stdout, stderr, null, CancellationToken.None);
        Assert.Equal(1, code);
        Assert.Contains(host == "127.0.0.1" ? "--port" : "--host", stderr.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left to the system's temp cleaning.
        }
    }
}
