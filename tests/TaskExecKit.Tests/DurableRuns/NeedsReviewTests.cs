using System.Text.Json;
using TaskExecKit.Agents;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;
using TaskExecKit.Tests.Execution;

namespace TaskExecKit.Tests.DurableRuns;

public sealed class NeedsReviewTests
{
    private static Plan Plan4() => Plan.Builder()
        .Task("a", t => t.Agent("scripted"))
        .Task("mail", t => t.Agent("scripted").Needs("a").Idempotent(false))
        .Task("after-mail", t => t.Agent("scripted").Needs("mail"))
        .Task("copy", t => t.Agent("scripted").Needs("a"))
        .Build();

    private static TaskRunResult Succeeded(string id)
        => new(id, TaskRunStatus.Succeeded, "scripted", 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null, null, []);

    [Fact]
    public async Task ResumeAsync_NonIdempotentTaskInFlight_IsMarkedNeedsReviewAndNotRunAgain()
    {
        using var temp = new TempDirectory();
        using var journal = SqliteRunJournal.Open(temp.Combine("runs.db"));
        var plan = Plan4();
        await journal.BeginRunAsync("crashed", PlanHash.Compute(plan), default);
        await journal.TaskStartedAsync("crashed", "a", 1, default);
        await journal.TaskFinishedAsync("crashed", Succeeded("a"), default);
        await journal.TaskStartedAsync("crashed", "mail", 1, default);
        await journal.TaskStartedAsync("crashed", "copy", 1, default);

        var agent = new ScriptedAgent((_, _) => new ValueTask<AgentResult>(AgentResult.Success()));
        string runs = temp.Combine("runs");
        await using var telemetry = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = temp.Combine("runtime"), DiscoverStore = false, PersistInstrumentMeasurements = false });
        await using var executor = TaskExecutor.Builder().MaxWorkers(2)
            .Agents(AgentRegistry.CreateDefault().Add("scripted", () => agent))
            .Journal(journal).RunsDirectory(runs).Telemetry(telemetry).Build();

        var result = await executor.ResumeAsync(plan, "crashed");

        // The idempotent in-flight task runs again; the non-idempotent one does not, and its dependent is skipped.
        Assert.Equal(["copy"], agent.Started.ToArray());
        Assert.Equal(RunStatus.Failed, result.Status);
        var mail = result.Tasks.Single(t => t.TaskId == "mail");
        Assert.Equal(TaskRunStatus.NeedsReview, mail.Status);
        Assert.StartsWith("needs review: the task is not idempotent", mail.Reason, StringComparison.Ordinal);
        var after = result.Tasks.Single(t => t.TaskId == "after-mail");
        Assert.Equal(TaskRunStatus.Skipped, after.Status);
        Assert.Contains("mail needs review", after.Reason, StringComparison.Ordinal);

        // run.json says so.
        using (var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(result.RunDirectory!, "run.json"))))
        {
            var statuses = json.RootElement.GetProperty("tasks").EnumerateArray()
                .ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("status").GetString());
            Assert.Equal("needs_review", statuses["mail"]);
            Assert.Equal("ok", statuses["copy"]);
        }

        // Telemetry records the outcome.
        var events = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, kinds: [TelemetryEventKind.TaskFinished]));
        Assert.Contains(events, e => e.TaskId == "mail" && e.Outcome == TaskOutcome.NeedsReview);

        // The verdict is journaled: a second resume keeps it and runs nothing.
        var state = await journal.LoadAsync("crashed", default);
        Assert.Equal(TaskRunStatus.NeedsReview, state!.Tasks.Single(t => t.TaskId == "mail").Status);
        var again = await executor.ResumeAsync(plan, "crashed");
        Assert.Equal(["copy"], agent.Started.ToArray());
        Assert.Equal(TaskRunStatus.NeedsReview, again.Tasks.Single(t => t.TaskId == "mail").Status);
    }

    [Fact]
    public async Task ResumeAsync_NonIdempotentTaskThatFinished_KeepsItsResult()
    {
        using var temp = new TempDirectory();
        using var journal = SqliteRunJournal.Open(temp.Combine("runs.db"));
        var plan = Plan4();
        await journal.BeginRunAsync("r", PlanHash.Compute(plan), default);
        foreach (string id in new[] { "a", "mail" })
        {
            await journal.TaskStartedAsync("r", id, 1, default);
            await journal.TaskFinishedAsync("r", Succeeded(id), default);
        }

        var agent = new ScriptedAgent((_, _) => new ValueTask<AgentResult>(AgentResult.Success()));
        await using var executor = TaskExecutor.Builder().Agents(AgentRegistry.CreateDefault().Add("scripted", () => agent)).Journal(journal).Build();

        var result = await executor.ResumeAsync(plan, "r");

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["after-mail", "copy"], agent.Started.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Idempotent_SotJsonAndBuilder_RoundTrip()
    {
        var sot = Plan.ParseSot("""
            ## Q
            - [ ] `TASK-001` Send the release mail
              - idempotent: false
            - [ ] `TASK-002` Build
              - idempotent: true
            - [ ] `TASK-003` Test
            """);
        Assert.Equal([false, true, true], sot.Tasks.Select(t => t.IsIdempotent));

        string json = sot.ToJson();
        Assert.Contains("\"idempotent\": false", json, StringComparison.Ordinal);
        Assert.Equal(1, json.Split("idempotent").Length - 1);
        var back = Plan.ParseJson(json);
        Assert.Equal([false, true, true], back.Tasks.Select(t => t.IsIdempotent));

        // Plans without the attribute keep their hash (it is written only when false).
        var plain = Plan.Builder().Task("a").Build();
        Assert.Equal(PlanHash.Compute(plain), PlanHash.Compute(Plan.Builder().Task("a", t => t.Idempotent(true)).Build()));
        Assert.NotEqual(PlanHash.Compute(plain), PlanHash.Compute(Plan.Builder().Task("a", t => t.Idempotent(false)).Build()));
    }

    [Fact]
    public void Idempotent_NotABoolean_IsReportedWithItsLine()
    {
        var sot = Plan.ParseSot("""
            ## Q
            - [ ] `TASK-001` Send
              - idempotent: maybe
            """, "sot.md");
        var problem = Assert.Single(sot.Validate().Diagnostics, d => d.Code == PlanDiagnosticCodes.MalformedAttribute);
        Assert.Contains("idempotent 'maybe'", problem.Message, StringComparison.Ordinal);
        Assert.Equal(3, problem.Location!.Value.Line);

        var json = Plan.ParseJson("""{"version": 2, "queues": [{"name": "q", "tasks": [{"id": "A-1", "idempotent": "no"}]}]}""");
        Assert.Contains(json.Validate().Diagnostics, d => d.Code == PlanDiagnosticCodes.MalformedAttribute && d.Message.Contains("idempotent", StringComparison.Ordinal));
    }
}
