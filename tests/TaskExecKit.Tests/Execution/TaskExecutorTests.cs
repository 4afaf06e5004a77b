using System.Text.Json;
using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Execution;

public sealed class TaskExecutorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static AgentRegistry Registry(ScriptedAgent agent)
        => AgentRegistry.CreateDefault().Add("scripted", () => agent);

    private static ScriptedAgent FailingFor(params string[] ids)
        => new((context, _) => new ValueTask<AgentResult>(ids.Contains(context.Task.Id) ? AgentResult.Failure("scripted failure") : AgentResult.Success()));

    [Fact]
    public async Task RunAsync_AllTasksSucceed_ReturnsSucceededWithEveryTask()
    {
        var plan = Plan.Builder().Task("a").Task("b", t => t.Needs("a")).Build();
        await using var executor = TaskExecutor.Builder().MaxWorkers(4).Build();

        RunResult result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.All(result.Tasks, t => Assert.Equal(TaskRunStatus.Succeeded, t.Status));
        Assert.All(result.Tasks, t => Assert.Equal("noop", t.Agent));
        Assert.All(result.Tasks, t => Assert.Equal(1, t.Attempts));
        Assert.True(result.TryGetTask("b", out var b) && b.StartedAt >= result.Tasks[0].FinishedAt);
    }

    [Fact]
    public async Task RunAsync_TaskFails_SkipsItsDependentsWithTheReasonAndRunsIndependentBranches()
    {
        var agent = FailingFor("a");
        var plan = Plan.Builder()
            .Task("a", t => t.Agent("scripted"))
            .Task("b", t => t.Agent("scripted").Needs("a"))
            .Task("c", t => t.Agent("scripted").Needs("b"))
            .Task("x", t => t.Agent("scripted"))
            .Task("y", t => t.Agent("scripted").Needs("x"))
            .Build();
        await using var executor = TaskExecutor.Builder().Agents(Registry(agent)).MaxWorkers(1).Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(TaskRunStatus.Failed, Status(result, "a"));
        Assert.Equal(TaskRunStatus.Skipped, Status(result, "b"));
        Assert.Equal(TaskRunStatus.Skipped, Status(result, "c"));
        Assert.Contains("a failed", Reason(result, "c"), StringComparison.Ordinal);
        Assert.Equal(TaskRunStatus.Succeeded, Status(result, "y"));
        Assert.DoesNotContain("b", agent.Started);
    }

    [Fact]
    public async Task RunAsync_FailFast_StopsStartingTasksAfterTheFirstFailure()
    {
        var agent = FailingFor("a");
        var plan = Plan.Builder()
            .Task("a", t => t.Agent("scripted"))
            .Task("x", t => t.Agent("scripted").Needs("a"))
            .Task("y", t => t.Agent("scripted"))
            .Task("z", t => t.Agent("scripted").Needs("y"))
            .Build();
        await using var executor = TaskExecutor.Builder().Agents(Registry(agent)).MaxWorkers(1).FailFast().Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(["a"], agent.Started);
        Assert.Contains("fail-fast", Reason(result, "z"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_VersionOnePlan_RunsQueuesInOrder()
    {
        var plan = Plan.ParseJson("""
            { "version": 1, "source": "sot.md", "generated_at": "2025-10-01T12:00:00Z",
              "queues": [
                { "name": "Queue A — One", "tasks": [ { "id": "TASK-001", "title": "TASK-001", "layer": "foundation" }, { "id": "TASK-002", "title": "TASK-002", "layer": "foundation" } ] },
                { "name": "Queue B — Two", "tasks": [ { "id": "TASK-003", "title": "TASK-003", "layer": "foundation" } ] },
                { "name": "Queue C — Empty", "tasks": [] },
                { "name": "Queue D — Three", "tasks": [ { "id": "TASK-004", "title": "TASK-004", "layer": "foundation" } ] } ] }
            """);
        var agent = new ScriptedAgent(async (_, ct) =>
        {
            await Task.Delay(5, ct);
            return AgentResult.Success();
        });
        var manifest = _temp.WriteFile("config/manifest.json", """{ "foundation": { "agent": "scripted" }, "board": "some-legacy-agent" }""");
        await using var executor = TaskExecutor.Builder().Agents(Registry(agent)).MaxWorkers(4).ConfigDirectory(Path.GetDirectoryName(manifest)).Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var order = agent.Started.ToList();
        Assert.Equal(4, order.Count);
        Assert.Equal(["TASK-003", "TASK-004"], order[2..]);
        Assert.All(result.Tasks, t => Assert.Equal("scripted", t.Agent));
        Assert.True(result.Tasks[2].StartedAt >= result.Tasks[0].FinishedAt);
        Assert.True(result.Tasks[2].StartedAt >= result.Tasks[1].FinishedAt);
    }

    [Fact]
    public async Task RunAsync_UnknownAgent_ThrowsBeforeRunningAnything()
    {
        var agent = ScriptedAgent.Succeeding();
        var plan = Plan.Builder().Task("a", t => t.Agent("scripted")).Task("b", t => t.Agent("nope")).Build();
        await using var executor = TaskExecutor.Builder().Agents(Registry(agent)).RunsDirectory(_temp.Combine("runs")).Build();

        var ex = await Assert.ThrowsAsync<PlanValidationException>(() => executor.RunAsync(plan, CancellationToken.None));

        Assert.Contains("nope", ex.Message, StringComparison.Ordinal);
        Assert.Empty(agent.Started);
        Assert.False(Directory.Exists(_temp.Combine("runs")));
    }

    [Fact]
    public async Task RunAsync_Cancelled_RecordsRunningTasksAndUnstartedTasksAsCancelled()
    {
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var agent = new ScriptedAgent(async (context, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return AgentResult.Success();
        });
        var plan = Plan.Builder().Task("long", t => t.Agent("scripted")).Task("after", t => t.Agent("scripted").Needs("long")).Build();
        await using var executor = TaskExecutor.Builder().Agents(Registry(agent)).Build();

        var run = executor.RunAsync(plan, cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        await cts.CancelAsync();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal(RunStatus.Cancelled, result.Status);
        Assert.Equal(TaskRunStatus.Cancelled, Status(result, "long"));
        Assert.Equal(TaskRunStatus.Cancelled, Status(result, "after"));
        Assert.Equal(["long"], agent.Started);
    }

    [Fact]
    public async Task RunAsync_TransientFailure_IsRetriedUpToTheTasksRetries()
    {
        var agent = new ScriptedAgent((context, _) => new ValueTask<AgentResult>(
            context.Attempt < 3 ? AgentResult.Failure("busy", isTransient: true) : AgentResult.Success()));
        var plan = Plan.Builder().Task("flaky", t => t.Agent("scripted").Retries(2)).Task("short", t => t.Agent("scripted").Retries(1)).Build();
        await using var executor = TaskExecutor.Builder().Agents(Registry(agent)).RetryDelay(TimeSpan.Zero).Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.True(result.TryGetTask("flaky", out var flaky));
        Assert.Equal(TaskRunStatus.Succeeded, flaky.Status);
        Assert.Equal(3, flaky.Attempts);
        Assert.True(result.TryGetTask("short", out var shortTask));
        Assert.Equal(TaskRunStatus.Failed, shortTask.Status);
        Assert.Equal(2, shortTask.Attempts);
    }

    [Fact]
    public async Task RunAsync_PermanentFailure_IsNotRetried()
    {
        var agent = FailingFor("a");
        var plan = Plan.Builder().Task("a", t => t.Agent("scripted").Retries(3)).Build();
        await using var executor = TaskExecutor.Builder().Agents(Registry(agent)).RetryDelay(TimeSpan.Zero).Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(1, result.Tasks[0].Attempts);
        Assert.Equal(1, agent.Attempts["a"]);
    }

    [Fact]
    public async Task RunAsync_AttemptTakesTooLong_IsTimedOutAndRetried()
    {
        var agent = new ScriptedAgent(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return AgentResult.Success();
        });
        var plan = Plan.Builder().Task("slow", t => t.Agent("scripted").Timeout(TimeSpan.FromMilliseconds(50)).Retries(1)).Build();
        await using var executor = TaskExecutor.Builder().Agents(Registry(agent)).RetryDelay(TimeSpan.Zero).Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(TaskRunStatus.TimedOut, result.Tasks[0].Status);
        Assert.Equal(2, result.Tasks[0].Attempts);
    }

    [Fact]
    public async Task RunAsync_DoneTask_IsSkippedAndReleasesItsDependents()
    {
        var agent = ScriptedAgent.Succeeding();
        var plan = Plan.Builder().Task("done", t => t.Agent("scripted").Done()).Task("next", t => t.Agent("scripted").Needs("done")).Build();
        await using var executor = TaskExecutor.Builder().Agents(Registry(agent)).Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(TaskRunStatus.Skipped, Status(result, "done"));
        Assert.Equal(["next"], agent.Started);
    }

    [Fact]
    public async Task RunAsync_AgentThrows_FailsOnlyThatTask()
    {
        var agent = new ScriptedAgent((context, _) => context.Task.Id == "bad" ? throw new InvalidOperationException("boom") : new ValueTask<AgentResult>(AgentResult.Success()));
        var plan = Plan.Builder().Task("bad", t => t.Agent("scripted")).Task("good", t => t.Agent("scripted")).Build();
        await using var executor = TaskExecutor.Builder().Agents(Registry(agent)).Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(TaskRunStatus.Failed, Status(result, "bad"));
        Assert.Contains("boom", Reason(result, "bad"), StringComparison.Ordinal);
        Assert.Equal(TaskRunStatus.Succeeded, Status(result, "good"));
    }

    [Fact]
    public async Task RunAsync_TimeComesFromTheTimeProvider_IncludingTheRunFolderName()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2025, 10, 1, 12, 0, 0, TimeSpan.Zero));
        await using var executor = TaskExecutor.Builder().TimeProvider(time).RunsDirectory(_temp.Combine("runs")).Build();

        var first = await executor.RunAsync(Plan.Builder().Task("a").Build(), CancellationToken.None);
        var second = await executor.RunAsync(Plan.Builder().Task("a").Build(), CancellationToken.None);

        Assert.Equal(time.GetUtcNow(), first.StartedAt);
        Assert.Equal(time.GetUtcNow(), first.Tasks[0].StartedAt);
        Assert.Equal(_temp.Combine("runs", "20251001_120000Z"), first.RunDirectory);
        Assert.Equal(_temp.Combine("runs", "20251001_120000Z-2"), second.RunDirectory);
    }

    [Fact]
    public async Task RunAsync_EmptyPlan_Succeeds()
    {
        await using var executor = TaskExecutor.Builder().Build();

        var result = await executor.RunAsync(Plan.ParseJson("""{ "version": 1, "queues": [] }"""), CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Empty(result.Tasks);
    }

    [Fact]
    public async Task RunAsync_WithRunsDirectory_WritesLegacyEvidence()
    {
        string work = _temp.CreateDirectory("work");
        var plan = Plan.Builder()
            .Task("echo", t => t.Run("echo", "hello evidence").Effects(Capability.Process("echo"), Capability.FileRead(".")))
            .Task("denied", t => t.Run("true"))
            .Task("after", t => t.Needs("denied"))
            .Build();
        await using var executor = TaskExecutor.Builder().WorkingDirectory(work).RunsDirectory("runs").Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.NotNull(result.RunDirectory);
        Assert.Matches(@"runs[/\\]\d{8}_\d{6}Z$", result.RunDirectory);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.RunDirectory, "run.json")));
        var root = json.RootElement;
        Assert.Equal("failed", root.GetProperty("status").GetString());
        var tasks = root.GetProperty("tasks");
        Assert.Equal("ok", tasks[0].GetProperty("status").GetString());
        Assert.Equal("shell", tasks[0].GetProperty("agent").GetString());
        Assert.Equal(0, tasks[0].GetProperty("exit_code").GetInt32());
        Assert.Equal("echo", tasks[0].GetProperty("commands")[0].GetProperty("cmd")[0].GetString());
        Assert.Equal("denied", tasks[1].GetProperty("status").GetString());
        Assert.Equal("skipped", tasks[2].GetProperty("status").GetString());
        Assert.Contains("hello evidence", File.ReadAllText(Path.Combine(result.RunDirectory, "logs", "echo.log")), StringComparison.Ordinal);
        Assert.Contains("[denied] Task denied asked for the effect process:", File.ReadAllText(Path.Combine(result.RunDirectory, "logs", "denied.log")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(result.RunDirectory, "logs", "after.log")));
    }

    [Fact]
    public async Task RunAsync_DryRun_WritesTheSameEvidenceWithoutRunningAnything()
    {
        string work = _temp.CreateDirectory("work");
        string marker = Path.Combine(work, "marker");
        var plan = Plan.Builder()
            .Task("touch", t => t.Run("touch", marker).Effects(Capability.Process("touch"), Capability.FileWrite(".")))
            .Task("denied", t => t.Run("rm", "-rf", work))
            .Build();
        await using var executor = TaskExecutor.Builder().WorkingDirectory(work).RunsDirectory(_temp.Combine("runs")).DryRun().Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.True(result.IsDryRun);
        Assert.False(File.Exists(marker));
        Assert.True(Directory.Exists(work));
        Assert.Equal(TaskRunStatus.Succeeded, Status(result, "touch"));
        Assert.Equal(TaskRunStatus.Denied, Status(result, "denied"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.RunDirectory!, "run.json")));
        Assert.True(json.RootElement.GetProperty("dry_run").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("tasks")[0].GetProperty("commands")[0].GetProperty("exit_code").ValueKind);
    }

    [Fact]
    public async Task RunAsync_HooksJson_RunsTheNamedCommandsForTaskAndQueue()
    {
        string work = _temp.CreateDirectory("work");
        string config = _temp.CreateDirectory("config");
        File.WriteAllText(Path.Combine(config, "hooks.json"), $$"""
            {
              "TASK-001": { "commands": [ { "cmd": ["touch", "one"], "cwd": "{{work}}" } ] },
              "Queue B — Two": { "commands": [ { "cmd": ["touch", "queue-b"] } ] }
            }
            """);
        var plan = Plan.ParseJson("""
            { "version": 1, "queues": [
                { "name": "Queue A — One", "tasks": [ { "id": "TASK-001", "title": "TASK-001", "layer": "foundation" }, { "id": "TASK-002", "title": "TASK-002", "layer": "foundation" } ] },
                { "name": "Queue B — Two", "tasks": [ { "id": "TASK-003", "title": "TASK-003", "layer": "foundation" } ] } ] }
            """);
        await using var executor = TaskExecutor.Builder().WorkingDirectory(work).ConfigDirectory(config).Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.True(File.Exists(Path.Combine(work, "one")));
        Assert.True(File.Exists(Path.Combine(work, "queue-b")));
        Assert.Equal("shell", result.Tasks[0].Agent);
        Assert.Equal("noop", result.Tasks[1].Agent);
    }

    [Fact]
    public async Task Build_MalformedHooksJson_ThrowsNamingTheFileAndLine()
    {
        string config = _temp.CreateDirectory("config");
        File.WriteAllText(Path.Combine(config, "hooks.json"), "{\n  \"TASK-001\": { \"commands\": [ }\n}");

        var ex = Assert.ThrowsAny<TaskExecKitException>(() => TaskExecutor.Builder().ConfigDirectory(config).Build());

        Assert.Contains("hooks.json:2:", ex.Message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1025)]
    public void Build_MaxWorkersOutOfRange_ThrowsNamingTheOption(int workers)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => TaskExecutor.Builder().MaxWorkers(workers).Build());

        Assert.Equal("MaxWorkers", ex.ParamName);
    }

    [Fact]
    public async Task RunAsync_Denial_IsReportedToTheAuditor()
    {
        var auditor = new RecordingAuditor();
        string work = _temp.CreateDirectory("work");
        var plan = Plan.Builder().Task("t", t => t.Run("false")).Task("ok", t => t.Run("true").Effects(Capability.Process("true"))).Build();
        await using var executor = TaskExecutor.Builder().WorkingDirectory(work).Auditor(auditor).Build();

        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(TaskRunStatus.Denied, result.Tasks[0].Status);
        Assert.Equal(TaskRunStatus.Succeeded, result.Tasks[1].Status);
        Assert.Contains(auditor.Decisions, d => !d.Allowed && d.Requested.Kind == CapabilityKind.Process && d.TaskId == "t");
        Assert.Contains(auditor.Decisions, d => d.Allowed && d.Requested.Kind == CapabilityKind.Process && d.TaskId == "ok");
    }

    [Fact]
    public async Task DisposeAsync_CancelsRunsStillGoing()
    {
        var started = new TaskCompletionSource();
        var agent = new ScriptedAgent(async (_, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return AgentResult.Success();
        });
        var executor = TaskExecutor.Builder().Agents(Registry(agent)).Build();
        var run = executor.RunAsync(Plan.Builder().Task("a", t => t.Agent("scripted")).Build(), CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);

        await executor.DisposeAsync();

        Assert.True(run.IsCompleted);
        Assert.Equal(RunStatus.Cancelled, (await run).Status);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => executor.RunAsync(Plan.Builder().Task("b").Build(), CancellationToken.None));
    }

    private static TaskRunStatus Status(RunResult result, string id) => result.TryGetTask(id, out var task) ? task.Status : throw new InvalidOperationException(id);

    private static string Reason(RunResult result, string id) => result.TryGetTask(id, out var task) ? task.Reason ?? string.Empty : throw new InvalidOperationException(id);

    private sealed class RecordingAuditor : IEffectAuditor
    {
        public System.Collections.Concurrent.ConcurrentQueue<EffectDecision> Decisions { get; } = new();

        public void OnEffectChecked(EffectDecision decision) => Decisions.Enqueue(decision);
    }
}
