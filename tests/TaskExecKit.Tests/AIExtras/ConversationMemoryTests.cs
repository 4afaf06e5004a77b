using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Testing;

namespace TaskExecKit.Tests.AIExtras;

public sealed class ConversationMemoryTests
{
    [Fact]
    public async Task Memory_SecondRun_SendsTheEarlierTurnBeforeThePrompt()
    {
        using var dir = new TempDirectory();
        var model = new ScriptedChatClient().ReplyWith("Noted: the build is red.").ReplyWith("It was red.");
        AIAgent agent = AIAgent.Builder().Id("ops").ChatClient(model).Instructions("Be brief.").Memory(new ConversationMemory(dir.Combine("runtime/state/ai_memory"))).Build();

        await agent.RunAsync("The build is red.");
        await agent.RunAsync("What colour was the build?");

        var second = model.Requests[1].Messages;
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User], second.Select(m => m.Role));
        Assert.Equal(["Be brief.", "The build is red.", "Noted: the build is red.", "What colour was the build?"], second.Select(m => m.Text));
    }

    [Fact]
    public async Task Memory_NewAgentWithTheSameId_ResumesTheHistoryFromDisk()
    {
        using var dir = new TempDirectory();
        string store = dir.Combine("runtime/state/ai_memory");
        var first = new ScriptedChatClient().ReplyWith("I will remember 42.");
        await AIAgent.Builder().Id("ops").ChatClient(first).Memory(new ConversationMemory(store)).Build().RunAsync("The answer is 42.");

        // A restart: a new process would build a new memory and a new agent with the same id.
        var second = new ScriptedChatClient().ReplyWith("42.");
        await AIAgent.Builder().Id("ops").ChatClient(second).Memory(new ConversationMemory(store)).Build().RunAsync("What is the answer?");

        Assert.True(File.Exists(Path.Combine(store, "ops.jsonl")));
        Assert.Equal(["The answer is 42.", "I will remember 42.", "What is the answer?"], second.Requests[0].Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Memory_OverBudget_DropsTheOldestTurns()
    {
        using var dir = new TempDirectory();
        var model = new ScriptedChatClient { RepeatLastStep = true }.ReplyWith(new string('a', 200));
        var memory = new ConversationMemory(dir.Path, maxTokens: 200);
        AIAgent agent = AIAgent.Builder().Id("small").ChatClient(model).Memory(memory).Build();

        for (int i = 1; i <= 5; i++)
        {
            await agent.RunAsync("turn " + i);
        }

        var history = await memory.GetHistoryAsync("small");
        Assert.True(history.Sum(m => m.Text.Length) / 4 <= 200);
        Assert.Equal("turn 5", history[^2].Text);
        Assert.DoesNotContain(history, m => m.Text == "turn 1");
    }

    [Fact]
    public async Task Memory_Summarize_KeepsASummaryOfTheDroppedTurns()
    {
        using var dir = new TempDirectory();
        var model = new ScriptedChatClient()
            .ReplyWith(new string('a', 500))
            .ReplyWith(new string('b', 500))
            .Respond(messages => new ChatMessage(ChatRole.Assistant, messages[^1].Text.StartsWith("Summarize", StringComparison.Ordinal) ? "User said turns 1 and 2." : "unexpected"));
        var memory = new ConversationMemory(dir.Path, maxTokens: 200, MemoryStrategy.Summarize);
        AIAgent agent = AIAgent.Builder().Id("sum").ChatClient(model).Memory(memory).Build();

        await agent.RunAsync("turn 1");
        await agent.RunAsync("turn 2");

        var history = await memory.GetHistoryAsync("sum");
        Assert.Equal(ChatRole.System, history[0].Role);
        Assert.Equal("Summary of the earlier conversation: User said turns 1 and 2.", history[0].Text);
    }

    [Fact]
    public async Task Memory_BrokenFile_NamesFileAndLine()
    {
        using var dir = new TempDirectory();
        dir.File("mem/ops.jsonl", "{\"role\":\"user\",\"text\":\"a\"}\nnot json\n");

        var ex = await Assert.ThrowsAsync<MemoryStoreException>(() => new ConversationMemory(dir.Combine("mem")).GetHistoryAsync("ops"));

        Assert.Contains("ops.jsonl:2:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_WithoutId_BuildSaysItNeedsOne()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().ChatClient(new ScriptedChatClient()).Memory(new ConversationMemory(dir.Path)).Build());

        Assert.Contains("Memory(...) needs a stable Id(...)", ex.Message, StringComparison.Ordinal);
    }
}
