using System.Collections.Concurrent;
using TaskExecKit.Agents;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Sqlite;
using TaskExecKit.Tests.Execution;
using Xunit;

namespace TaskExecKit.Tests.Sqlite;

public sealed class RunJournalResumeTests
{
    private static Plan Chain() => Plan.Builder()
        .Task("a", t => t.Agent("scripted"))
        .Task("b", t => t.Agent("scripted").Needs("a"))
        .Task("c", t => t.Agent("scripted").Needs("b"))
        .Build();

    private static TaskExecutor Executor(ScriptedAgent agent, IRunJournal journal)
        => TaskExecutor.Builder().MaxWorkers(2).Agents(AgentRegistry.CreateDefault().Add("scripted", () => agent)).Journal(journal).Build();

    private static TaskRunResult Succeeded(string id)
        => new(id, TaskRunStatus.Succeeded, "scripted", 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null, null, []);

    [Fact]
    public async Task Journal_RecordsStartsAndFinishes_AndSurvivesReopen()
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("state", "runs.db");
        using (var journal = SqliteRunJournal.Open(path))
        {
            await journal.BeginRunAsync("r1", "hash", default);
            await journal.TaskStartedAsync("r1", "a", 1, default);
            await journal.TaskFinishedAsync("r1", Succeeded("a"), default);
            await journal.TaskStartedAsync("r1", "b", 1, default);
        }

        using var reopened = SqliteRunJournal.Open(path);
        var state = await reopened.LoadAsync("r1", default);
        Assert.NotNull(state);
        Assert.Equal("hash", state.PlanHash);
        var byId = state.Tasks.ToDictionary(t => t.TaskId);
        Assert.Equal(TaskRunStatus.Succeeded, byId["a"].Status);
        Assert.Null(byId["b"].Status);
        Assert.Equal(1, byId["b"].Starts);
        Assert.Null(await reopened.LoadAsync("unknown", default));
    }

    [Fact]
    public async Task ResumeAsync_CompletedTaskAndInFlightTask_SkipsCompletedAndRerunsInFlightOnceWithSameKey()
    {
        using var temp = new TempDirectory();
        using var journal = SqliteRunJournal.Open(temp.Combine("runs.db"));
        var plan = Chain();
        await journal.BeginRunAsync("crashed", PlanHash.Compute(plan), default);
        await journal.TaskStartedAsync("crashed", "a", 1, default);
        await journal.TaskFinishedAsync("crashed", Succeeded("a"), default);
        await journal.TaskStartedAsync("crashed", "b", 1, default);

        var keys = new ConcurrentDictionary<string, string>();
        var agent = new ScriptedAgent((ctx, _) =>
        {
            keys[ctx.Task.Id] = ctx.IdempotencyKey;
            return new ValueTask<AgentResult>(AgentResult.Success());
        });
        await using var executor = Executor(agent, journal);

        var result = await executor.ResumeAsync(plan, "crashed");

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["b", "c"], agent.Started.Order().ToArray());
        Assert.Equal("crashed/b", keys["b"]);
        var state = await journal.LoadAsync("crashed", default);
        var byId = state!.Tasks.ToDictionary(t => t.TaskId);
        Assert.Equal(1, byId["a"].Starts);
        Assert.Equal(2, byId["b"].Starts);
        Assert.All(state.Tasks, t => Assert.Equal(TaskRunStatus.Succeeded, t.Status));
    }

    [Fact]
    public async Task ResumeAsync_FinishedRun_RunsNothingAgainAndReusesResults()
    {
        using var temp = new TempDirectory();
        using var journal = SqliteRunJournal.Open(temp.Combine("runs.db"));
        var agent = ScriptedAgent.Succeeding();
        await using var executor = Executor(agent, journal);
        var plan = Chain();
        var first = await executor.RunAsync(plan);
        string runId = first.RunId;
        Assert.NotNull(await journal.LoadAsync(runId, default));
        int ran = agent.Started.Count;

        var again = await executor.ResumeAsync(plan, runId);

        Assert.Equal(3, ran);
        Assert.Equal(3, agent.Started.Count);
        Assert.Equal(RunStatus.Succeeded, again.Status);
        Assert.All(again.Tasks, t => Assert.Equal(TaskRunStatus.Succeeded, t.Status));
    }

    [Fact]
    public async Task ResumeAsync_FailedTaskRecorded_KeepsFailureAndSkipsDependents()
    {
        using var temp = new TempDirectory();
        using var journal = SqliteRunJournal.Open(temp.Combine("runs.db"));
        var plan = Chain();
        await journal.BeginRunAsync("r", PlanHash.Compute(plan), default);
        await journal.TaskStartedAsync("r", "a", 1, default);
        await journal.TaskFinishedAsync("r", new TaskRunResult("a", TaskRunStatus.Failed, "scripted", 1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1, "boom", null, []), default);
        var agent = ScriptedAgent.Succeeding();
        await using var executor = Executor(agent, journal);

        var result = await executor.ResumeAsync(plan, "r");

        Assert.Empty(agent.Started);
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.True(result.TryGetTask("a", out var a));
        Assert.Equal("boom", a.Reason);
        Assert.True(result.TryGetTask("c", out var c));
        Assert.Equal(TaskRunStatus.Skipped, c.Status);
    }

    [Fact]
    public async Task ResumeAsync_PlanChanged_ThrowsRunResumeExceptionAndRunsNothing()
    {
        using var temp = new TempDirectory();
        using var journal = SqliteRunJournal.Open(temp.Combine("runs.db"));
        await journal.BeginRunAsync("r", PlanHash.Compute(Chain()), default);
        var agent = ScriptedAgent.Succeeding();
        await using var executor = Executor(agent, journal);
        var changed = Plan.Builder().Task("a", t => t.Agent("scripted")).Build();

        var ex = await Assert.ThrowsAsync<RunResumeException>(() => executor.ResumeAsync(changed, "r"));

        Assert.Equal("r", ex.RunId);
        Assert.Contains("plan changed", ex.Message, StringComparison.Ordinal);
        Assert.Empty(agent.Started);
    }

    [Fact]
    public async Task ResumeAsync_UnknownRun_ThrowsRunResumeException()
    {
        using var temp = new TempDirectory();
        using var journal = SqliteRunJournal.Open(temp.Combine("runs.db"));
        await using var executor = Executor(ScriptedAgent.Succeeding(), journal);

        await Assert.ThrowsAsync<RunResumeException>(() => executor.ResumeAsync(Chain(), "nope"));
    }

    [Fact]
    public async Task ResumeAsync_NoJournal_ThrowsInvalidOperation()
    {
        await using var executor = TaskExecutor.Builder().Build();

        await Assert.ThrowsAsync<InvalidOperationException>(() => executor.ResumeAsync(Chain(), "r"));
    }
}
