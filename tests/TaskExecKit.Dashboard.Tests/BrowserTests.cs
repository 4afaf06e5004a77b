using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Playwright;
using TaskExecKit.Agents;
using TaskExecKit.Autonomous;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser: a plan runs while the page is open and the task states change on it without a
/// reload; the kill switch needs the token and writes the engine's KILL file; approvals; the audit page shows the chain
/// verification. Each page is also screenshotted (kept under docs/images/ with TASKEXECKIT_UPDATE_SCREENSHOTS=1).
/// </summary>
[Collection("browser")]
public sealed class BrowserTests(BrowserFixture fixture)
{
    // Generous: the machine is shared and loaded. Nothing here measures speed.
    private const float Wait = 60_000;

    [Fact]
    public async Task RunsPage_ShowsTaskStatesChangingLive_WhileAPlanRuns()
    {
        await using var host = await DashboardHost.StartAsync();
        var gates = new ConcurrentDictionary<string, TaskCompletionSource>(StringComparer.Ordinal);
        var agents = AgentRegistry.CreateDefault().Add("gate", () => new GateAgent(gates));
        var plan = Plan.Builder()
            .Task("fetch", t => t.Title("Fetch the sources").Agent("gate"))
            .Task("lint", t => t.Title("Lint").Agent("noop").Needs("fetch"))
            .Task("build", t => t.Title("Build the solution").Agent("gate").Needs("fetch"))
            .Task("test", t => t.Title("Run the tests").Agent("noop").Needs("build", "lint"))
            .Task("report", t => t.Title("Write the report").Agent("noop").Needs("test"))
            .Build();

        var page = await NewPageAsync(host, "#/runs");
        await page.EvaluateAsync("() => { window.__notReloaded = true; }");

        var telemetry = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = host.Runtime, WriteJsonLogs = false });
        using var journal = SqliteRunJournal.Open(Path.Combine(host.Runtime, "database", "state", "runs.db"));
        RunResult result;
        await using (var executor = TaskExecutor.Builder().Agents(agents).RunsDirectory(host.Runs).WorkingDirectory(host.Root)
            .Telemetry(telemetry).Journal(journal).MaxWorkers(2).Build())
        {
            var run = executor.RunAsync(plan);

            await Node(page, "fetch", "running");
            await Node(page, "build", "pending");

            Gate(gates, "fetch").TrySetResult();
            await Node(page, "fetch", "ok");
            await Node(page, "lint", "ok");
            await Node(page, "build", "running");
            await BrowserFixture.ScreenshotAsync(page, "runs");

            // A task's log, live: the gate agent writes one line before and one after its gate opens.
            await page.ClickAsync("g.node[data-task='fetch']");
            await page.WaitForFunctionAsync("() => (document.querySelector('#task-log')?.textContent || '').includes('gate opened')", null, new() { Timeout = Wait });

            Gate(gates, "build").TrySetResult();
            result = await run;
        }

        await telemetry.DisposeAsync();
        Assert.Equal(RunStatus.Succeeded, result.Status);
        await Node(page, "report", "ok");
        await page.WaitForSelectorAsync("a[data-run] .st.ok", new() { Timeout = Wait });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the page was reloaded; the states must arrive by Server-Sent Events");
    }

    [Fact]
    public async Task KillSwitch_NeedsTheToken_Works_AndTheAuditPageShowsTheVerification()
    {
        await using var host = await DashboardHost.StartAsync();
        await SeedLoopAsync(host);
        var page = await NewPageAsync(host, "#/loop");
        await page.WaitForSelectorAsync("#engine", new() { Timeout = Wait });
        await page.WaitForSelectorAsync("#decisions", new() { Timeout = Wait });
        await page.WaitForSelectorAsync("tr[data-approval='deploy-7']", new() { Timeout = Wait });
        await BrowserFixture.ScreenshotAsync(page, "loop");

        // Without the token: refused, nothing written.
        await page.FillAsync("#kill-reason", "scores keep falling");
        await page.ClickAsync("#kill-button");
        await page.WaitForSelectorAsync("#flash.error", new() { Timeout = Wait });
        Assert.Contains("token", await page.TextContentAsync("#flash") ?? "", StringComparison.Ordinal);
        Assert.False(File.Exists(host.KillFile));
        Assert.Equal("off", await page.TextContentAsync("#kill-state"));

        // A wrong token: refused by the server.
        await page.FillAsync("#token", "wrong-token-wrong-token");
        await page.DispatchEventAsync("#token", "change");
        await page.ClickAsync("#kill-button");
        await page.WaitForFunctionAsync("() => (document.querySelector('#flash.error')?.textContent || '').includes('access token is required')", null, new() { Timeout = Wait });
        Assert.False(File.Exists(host.KillFile));

        // With the token: the engine's kill switch file is written and the page shows it engaged (pushed, not reloaded).
        await page.FillAsync("#token", DashboardHost.Token);
        await page.DispatchEventAsync("#token", "change");
        await page.FillAsync("#kill-reason", "scores keep falling");
        await page.ClickAsync("#kill-button");
        await page.WaitForSelectorAsync("#kill-state.engaged", new() { Timeout = Wait });
        await page.WaitForSelectorAsync("#kill-badge:not(.hidden)", new() { Timeout = Wait });
        Assert.StartsWith("scores keep falling", await File.ReadAllTextAsync(host.KillFile), StringComparison.Ordinal);

        // An approval, decided once through the engine's control contract.
        await page.ClickAsync("tr[data-approval='deploy-7'] button.approve");
        await page.WaitForSelectorAsync("tr[data-approval='deploy-7']", new() { State = WaitForSelectorState.Detached, Timeout = Wait });
        Assert.True(File.Exists(Path.Combine(host.Runtime, "state", "approvals", "deploy-7.decision.json")));
        Assert.Empty(await new AutonomousControl(host.Runtime).GetPendingApprovalsAsync());

        // The audit page: the chain verifies, and the kill switch and the approval are in it.
        await page.GotoAsync(host.BaseAddress + "#/audit");
        await page.WaitForSelectorAsync("#verification.ok", new() { Timeout = Wait });
        Assert.Contains("verified", await page.TextContentAsync("#verification") ?? "", StringComparison.Ordinal);
        await page.WaitForSelectorAsync("#audit tr[data-kind='KillSwitch']", new() { Timeout = Wait });
        await page.WaitForFunctionAsync("() => document.querySelector('#audit').textContent.includes('approval deploy-7 approved')", null, new() { Timeout = Wait });
        await BrowserFixture.ScreenshotAsync(page, "audit");

        // The filter narrows the table on the server.
        await page.SelectOptionAsync("select[data-filter='kind']", "KillSwitch");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#audit tr[data-kind]')].every(r => r.dataset.kind === 'KillSwitch')", null, new() { Timeout = Wait });
    }

    [Fact]
    public async Task AgentsAndAlertsPages_ChartTheRollups_AndListRaisedAlerts()
    {
        await using var host = await DashboardHost.StartAsync();
        await SeedAgentsAsync(host);
        var page = await NewPageAsync(host, "#/agents");
        await page.WaitForSelectorAsync("div[data-agent='planner'] svg.chart path.s0", new() { Timeout = Wait });
        await page.WaitForSelectorAsync("div[data-agent='coder'] svg.chart path.s2", new() { Timeout = Wait });
        await BrowserFixture.ScreenshotAsync(page, "agents");

        await page.GotoAsync(host.BaseAddress + "#/alerts");
        await page.WaitForSelectorAsync("[data-alert='failure_rate']", new() { Timeout = Wait });
        Assert.Null(await page.QuerySelectorAsync("[data-alert='p95_latency']")); // raised, then cleared
        await BrowserFixture.ScreenshotAsync(page, "alerts");
    }

    private async Task<IPage> NewPageAsync(DashboardHost host, string hash)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1360, Height = 860 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseAddress + hash);
        await page.WaitForSelectorAsync("#live.on", new() { Timeout = Wait });
        return page;
    }

    private static Task<IElementHandle?> Node(IPage page, string task, string status) =>
        page.WaitForSelectorAsync($"g.node[data-task='{task}'][data-status='{status}']", new() { Timeout = Wait });

    private static TaskCompletionSource Gate(ConcurrentDictionary<string, TaskCompletionSource> gates, string id) =>
        gates.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private static async Task SeedLoopAsync(DashboardHost host)
    {
        var now = DateTimeOffset.UtcNow;
        string state = Path.Combine(host.Runtime, "state");
        Directory.CreateDirectory(Path.Combine(state, "approvals"));
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
        var status = new AutonomousStatus
        {
            Phase = AutonomousPhase.Run,
            Iteration = 7,
            LastScore = 0.71,
            Running = true,
            StartedAt = now.AddMinutes(-40),
            UpdatedAt = now,
            Scores = [new(1, 0.42), new(2, 0.48), new(3, 0.55), new(4, 0.53), new(5, 0.64), new(6, 0.71)],
            LimitsUsed = [new("max_iterations", 7, 20), new("max_cost", 3.4, 5), new("max_tokens", 182_000, 200_000)],
        };
        await File.WriteAllTextAsync(Path.Combine(state, "status.json"), JsonSerializer.Serialize(status, json));
        var approval = new PendingApproval { Id = "deploy-7", Gate = "approval", Summary = "Deploy the iteration 7 build to the staging environment", RequestedAt = now.AddMinutes(-2) };
        await File.WriteAllTextAsync(Path.Combine(state, "approvals", "deploy-7.json"), JsonSerializer.Serialize(approval, json));

        await using var telemetry = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = host.Runtime, WriteJsonLogs = false });
        telemetry.RecordDecision("continue: refactor the parser", "score rose from 0.64 to 0.71; 13 of 20 iterations left", "score=0.71 tests=412/412", "engine");
        telemetry.RecordDecision("retry the flaky test task", "TASK-031 failed once with a transient timeout", "attempts=1/3", "engine", "TASK-031");
        telemetry.RecordLimitHit("max_attempts", 3, "coder", "TASK-044");
        telemetry.RecordEffect("process:git", "/usr/bin/git", allowed: true, agentId: "coder", taskId: "TASK-040");
        telemetry.RecordEffect("net:api.example.com", "https://api.example.com", allowed: false, reason: "no network grant for this task", agentId: "coder", taskId: "TASK-041");
        await telemetry.FlushAsync();
    }

    private static async Task SeedAgentsAsync(DashboardHost host)
    {
        await using var telemetry = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = host.Runtime, WriteJsonLogs = false });
        var now = DateTimeOffset.UtcNow;
        var random = new Random(7);
        string[] agents = ["planner", "coder", "reviewer"];
        for (int minute = 40; minute >= 1; minute--)
        {
            var at = now.AddMinutes(-minute);
            for (int a = 0; a < agents.Length; a++)
            {
                for (int i = 0; i < 4; i++)
                {
                    double ms = (a + 1) * 180 * (1 + random.NextDouble()) * (minute is > 18 and < 24 && a == 1 ? 4 : 1);
                    bool ok = random.NextDouble() > (a == 1 && minute < 12 ? 0.45 : 0.05);
                    telemetry.Record(new TelemetryEvent { Kind = TelemetryEventKind.TaskStarted, Timestamp = at, AgentId = agents[a], TaskId = $"T{minute}-{i}" });
                    telemetry.Record(new TelemetryEvent
                    {
                        Kind = TelemetryEventKind.TaskFinished, Timestamp = at.AddSeconds(5), AgentId = agents[a], TaskId = $"T{minute}-{i}",
                        Outcome = ok ? TaskOutcome.Succeeded : TaskOutcome.Failed, Value = ms, Count = 1,
                    });
                }
            }
        }

        telemetry.Record(new TelemetryEvent { Kind = TelemetryEventKind.AlertRaised, Timestamp = now.AddMinutes(-20), AgentId = "coder", Name = "p95_latency", Value = 2900, Detail = "2000", Count = 50 });
        telemetry.Record(new TelemetryEvent { Kind = TelemetryEventKind.AlertCleared, Timestamp = now.AddMinutes(-15), AgentId = "coder", Name = "p95_latency", Value = 700, Detail = "2000", Count = 50 });
        telemetry.Record(new TelemetryEvent { Kind = TelemetryEventKind.AlertRaised, Timestamp = now.AddMinutes(-9), AgentId = "coder", Name = "failure_rate", Value = 0.42, Detail = "0.25", Count = 50 });
        await telemetry.FlushAsync();
    }

    /// <summary>An agent that waits until the test opens its gate.</summary>
    private sealed class GateAgent(ConcurrentDictionary<string, TaskCompletionSource> gates) : ITaskAgent
    {
        public async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
        {
            await context.Log.WriteLineAsync($"{context.Task.Id}: waiting for the gate");
            await context.Log.FlushAsync(cancellationToken);
            await Gate(gates, context.Task.Id).Task.WaitAsync(cancellationToken);
            await context.Log.WriteLineAsync($"{context.Task.Id}: gate opened");
            await context.Log.FlushAsync(cancellationToken);
            return AgentResult.Success();
        }
    }
}
