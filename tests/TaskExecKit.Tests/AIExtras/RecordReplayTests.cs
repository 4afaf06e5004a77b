using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Effects;
using TaskExecKit.Testing;

namespace TaskExecKit.Tests.AIExtras;

public sealed class RecordReplayTests
{
    private static ScriptedChatClient Script() => new ScriptedChatClient("scripted", "model-7")
        .CallTool("file_read", new Dictionary<string, object?> { ["path"] = "notes.txt" })
        .CallTool("file_read", new Dictionary<string, object?> { ["path"] = "../outside.txt" })
        .Respond(history => new ChatMessage(ChatRole.Assistant, "Notes say: " + history.SelectMany(m => m.Contents).OfType<FunctionResultContent>().First().Result));

    private static AIAgentBuilder Agent(TempDirectory dir) => AIAgent.Builder()
        .Tools(new FileTool()).Grant(Capability.FileRead(".")).BaseDirectory(dir.Combine("work"));

    [Fact]
    public async Task Replay_OfARecordedRun_GivesTheSameResponseWithoutTheModel()
    {
        using var dir = new TempDirectory();
        dir.File("work/notes.txt", "two tests fail");
        string recording = dir.Combine("recordings/run.jsonl");
        var model = Script();

        AgentResponse recorded = await Agent(dir).ChatClient(model).Record(recording).Build().RunAsync("summarize the notes");
        var replayer = ReplayChatClient.Load(recording);
        AgentResponse replayed = await Agent(dir).ChatClient(replayer).Build().RunAsync("summarize the notes");

        Assert.Equal(3, File.ReadAllLines(recording).Length);
        Assert.Equal(0, replayer.Remaining);
        Assert.Equal(recorded.Text, replayed.Text);
        Assert.Equal("Notes say: two tests fail", replayed.Text);
        Assert.Equal(recorded.ToolCalls, replayed.ToolCalls);
        Assert.Equal(ToolCallOutcome.Denied, replayed.ToolCalls[1].Outcome);
        Assert.Equal(recorded.Usage, replayed.Usage);
        Assert.Equal(recorded.ModelCalls, replayed.ModelCalls);
        Assert.Equal(recorded.Model, replayed.Model);
        Assert.Equal(recorded.StopReason, replayed.StopReason);
    }

    [Fact]
    public async Task Replay_WhenAToolResultChanged_FailsNamingTheDifference()
    {
        using var dir = new TempDirectory();
        dir.File("work/notes.txt", "two tests fail");
        string recording = dir.Combine("run.jsonl");
        await Agent(dir).ChatClient(Script()).Record(recording).Build().RunAsync("summarize the notes");
        dir.File("work/notes.txt", "all green");

        var ex = await Assert.ThrowsAsync<ReplayException>(() => Agent(dir).ChatClient(ReplayChatClient.Load(recording)).Build().RunAsync("summarize the notes"));

        Assert.Contains("model call 2 does not follow the recording", ex.Message, StringComparison.Ordinal);
        Assert.Contains("recorded \"two tests fail\", now \"all green\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_AnotherPromptOrMoreCalls_FailLoudly()
    {
        using var dir = new TempDirectory();
        dir.File("work/notes.txt", "two tests fail");
        string recording = dir.Combine("run.jsonl");
        await Agent(dir).ChatClient(Script()).Record(recording).Build().RunAsync("summarize the notes");

        var other = await Assert.ThrowsAsync<ReplayException>(() => Agent(dir).ChatClient(ReplayChatClient.Load(recording)).Build().RunAsync("something else"));
        Assert.Contains("the prompt differs", other.Message, StringComparison.Ordinal);

        var replayer = ReplayChatClient.Load(recording);
        AIAgent agent = Agent(dir).ChatClient(replayer).Build();
        await agent.RunAsync("summarize the notes");
        var more = await Assert.ThrowsAsync<ReplayException>(() => agent.RunAsync("summarize the notes"));
        Assert.Contains("the recording has 3 model calls", more.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BrokenLine_NamesFileAndLine()
    {
        using var dir = new TempDirectory();
        dir.File("bad.jsonl", "{\"call\":1}\nnot json\n");

        var ex = Assert.Throws<ReplayException>(() => ReplayChatClient.Load(dir.Combine("bad.jsonl")));

        Assert.Contains("bad.jsonl:1:", ex.Message, StringComparison.Ordinal);
    }
}
