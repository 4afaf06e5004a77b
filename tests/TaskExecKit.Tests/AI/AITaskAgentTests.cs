using TaskExecKit.Agents;
using TaskExecKit.AI;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.AI;

public sealed class AITaskAgentTests : IDisposable
{
    private static readonly OfflineRule WriteRule = OfflineRule.CallTool(@"write (?<text>\w+) to (?<file>\S+)", "file_write",
        new Dictionary<string, object?> { ["path"] = "${file}", ["content"] = "${text}" });

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task RunAsync_AITaskWithGrantedEffect_RunsTheToolAndLogsItsResult()
    {
        string work = _temp.CreateDirectory("work");
        _temp.File("work/notes.txt", "three tests fail in ParserTests");
        var plan = Plan.Builder()
            .Task("read", t => t.Agent("ai").Description("Please read the file notes.txt").Effects(Capability.FileRead(".")))
            .Build();
        await using var executor = TaskExecutor.Builder()
            .Agents(AgentRegistry.CreateDefault().AddAI())
            .WorkingDirectory(work)
            .RunsDirectory(_temp.Combine("runs"))
            .Build();

        RunResult result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.True(result.TryGetTask("read", out var task));
        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
        Assert.Equal("ai", task.Agent);
        string log = File.ReadAllText(task.LogPath!);
        Assert.Contains("ai: tool file_read(path=notes.txt) Succeeded", log, StringComparison.Ordinal);
        Assert.Contains("The tool file_read returned:", log, StringComparison.Ordinal);
        Assert.Contains("three tests fail in ParserTests", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AITaskWithoutGrant_DeniesTheToolCallAndWritesNothing()
    {
        string work = _temp.CreateDirectory("work");
        string target = Path.Combine(work, "out.txt");
        var plan = Plan.Builder()
            .Task("write", t => t.Agent("ai").Description("write hello to out.txt").Effects(Capability.FileRead(".")))
            .Build();
        await using var executor = TaskExecutor.Builder()
            .Agents(AgentRegistry.CreateDefault().AddAI(ai => ai.OfflineRules(WriteRule)))
            .WorkingDirectory(work)
            .RunsDirectory(_temp.Combine("runs"))
            .Build();

        RunResult result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.False(File.Exists(target));
        Assert.True(result.TryGetTask("write", out var task));
        Assert.Equal(TaskRunStatus.Denied, task.Status);
        Assert.Contains("fs.write:", task.Reason, StringComparison.Ordinal);
        string log = File.ReadAllText(task.LogPath!);
        Assert.Contains("ai: tool file_write(", log, StringComparison.Ordinal);
        Assert.Contains(") Denied: fs.write:", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AITaskWithWriteGranted_WritesTheRealFile()
    {
        string work = _temp.CreateDirectory("work");
        var plan = Plan.Builder()
            .Task("write", t => t.Agent("ai").Description("write hello to out.txt").Effects(Capability.FileWrite(".")))
            .Build();
        await using var executor = TaskExecutor.Builder()
            .Agents(AgentRegistry.CreateDefault().AddAI(ai => ai.OfflineRules(WriteRule)))
            .WorkingDirectory(work)
            .Build();

        RunResult result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.True(result.TryGetTask("write", out var task));
        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(work, "out.txt")));
    }

    [Fact]
    public async Task RunAsync_AIAgentReachesMaxIterations_FailsTheTaskWithTheBound()
    {
        string work = _temp.CreateDirectory("work");
        var loop = OfflineRule.CallTool(".*", "file_list", new Dictionary<string, object?> { ["path"] = "." });
        var plan = Plan.Builder()
            .Task("loop", t => t.Agent("ai").Title("list forever").Effects(Capability.FileRead(".")))
            .Build();
        await using var executor = TaskExecutor.Builder()
            .Agents(AgentRegistry.CreateDefault().AddAI(ai => ai.OfflineRules(loop).MaxIterations(1)))
            .WorkingDirectory(work)
            .Build();

        RunResult result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.True(result.TryGetTask("loop", out var task));
        Assert.Equal(TaskRunStatus.Failed, task.Status);
        Assert.Contains("MaxIterations", task.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RegistryWithAddAI_AcceptsAgentAi()
    {
        var plan = Plan.Builder().Task("ask", t => t.Agent("ai").Description("hello")).Build();
        var withAI = AgentRegistry.CreateDefault().AddAI();

        Assert.True(withAI.Contains("ai"));
        Assert.False(withAI.RunsCommands("ai"));
        Assert.Contains("ai", withAI.CreateValidationOptions().Agents);
        Assert.DoesNotContain("ai", AgentRegistry.CreateDefault().CreateValidationOptions().Agents);
        Assert.True(plan.Validate(withAI.CreateValidationOptions()).IsValid);
    }

    [Fact]
    public void AddAI_WrongOption_ThrowsWhenRegistering()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new AgentRegistry().AddAI(ai => ai.MaxIterations(0)));

        Assert.Contains("MaxIterations", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AITaskWithProcessGranted_RunsTheProgramInTheWorkingDirectoryWithTheTitleAsPrompt()
    {
        string work = _temp.CreateDirectory("work");
        var pwd = OfflineRule.CallTool("where am i", "shell_run", new Dictionary<string, object?> { ["command"] = "pwd" });
        var plan = Plan.Builder()
            .Task("where", t => t.Agent("ai").Title("where am i").Effects(Capability.Process("pwd")))
            .Build();
        await using var executor = TaskExecutor.Builder()
            .Agents(AgentRegistry.CreateDefault().AddAI(ai => ai.OfflineRules(pwd)))
            .WorkingDirectory(work)
            .RunsDirectory(_temp.Combine("runs"))
            .Build();

        RunResult result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.True(result.TryGetTask("where", out var task));
        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
        string log = File.ReadAllText(task.LogPath!);
        Assert.Contains("ai: tool shell_run(", log, StringComparison.Ordinal);
        Assert.Contains(") Succeeded", log, StringComparison.Ordinal);
        Assert.Contains(new DirectoryInfo(work).FullName, log, StringComparison.Ordinal);
    }
}
