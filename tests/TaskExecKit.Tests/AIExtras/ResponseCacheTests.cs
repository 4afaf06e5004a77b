using TaskExecKit.AI;
using TaskExecKit.Effects;
using TaskExecKit.Testing;

namespace TaskExecKit.Tests.AIExtras;

public sealed class ResponseCacheTests
{
    [Fact]
    public async Task ResponseCache_SameRequestTwice_AsksTheModelOnce()
    {
        using var dir = new TempDirectory();
        var cache = new ResponseCache(dir.Combine("runtime/cache/ai_responses"));
        var model = new ScriptedChatClient().ReplyWith("first answer");
        AIAgent agent = AIAgent.Builder().ChatClient(model).ResponseCache(cache).Build();

        AgentResponse first = await agent.RunAsync("What is 6 x 7?");
        AgentResponse second = await agent.RunAsync("What is 6 x 7?");

        Assert.Single(model.Requests);
        Assert.Equal(first.Text, second.Text);
        Assert.Single(Directory.GetFiles(cache.Directory, "*.json"));
    }

    [Fact]
    public async Task ResponseCache_OtherPromptOrTools_IsAMiss()
    {
        using var dir = new TempDirectory();
        var cache = new ResponseCache(dir.Path);
        var model = new ScriptedChatClient { RepeatLastStep = true }.ReplyWith("answer");

        await AIAgent.Builder().ChatClient(model).ResponseCache(cache).Build().RunAsync("a");
        await AIAgent.Builder().ChatClient(model).ResponseCache(cache).Build().RunAsync("b");
        await AIAgent.Builder().ChatClient(model).ResponseCache(cache).Tools(new FileTool()).Build().RunAsync("a");

        Assert.Equal(3, model.Requests.Count);
    }

    [Fact]
    public async Task ResponseCache_CachedToolCall_StillGoesThroughThePolicy()
    {
        using var dir = new TempDirectory();
        var cache = new ResponseCache(dir.Combine("cache"));
        var model = new ScriptedChatClient().CallTool("file_read", new Dictionary<string, object?> { ["path"] = "/etc/hostname" }).ReplyWith("done");
        await AIAgent.Builder().ChatClient(model).Tools(new FileTool()).Grant(Capability.FileRead("/etc")).ResponseCache(cache).Build().RunAsync("read it");

        var offline = new ScriptedChatClient().ReplyWith("done");
        AgentResponse second = await AIAgent.Builder().ChatClient(offline).Tools(new FileTool()).ResponseCache(cache).Build().RunAsync("read it");

        Assert.Equal(ToolCallOutcome.Denied, Assert.Single(second.ToolCalls).Outcome);
    }
}
