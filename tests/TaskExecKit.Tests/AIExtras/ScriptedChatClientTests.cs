using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Effects;
using TaskExecKit.Testing;

namespace TaskExecKit.Tests.AIExtras;

public sealed class ScriptedChatClientTests
{
    [Fact]
    public async Task Script_ToolCallThenText_DrivesAnAgentAndRecordsRequests()
    {
        var model = new ScriptedChatClient("fake", "fake-model")
            .CallTool("echo", new Dictionary<string, object?> { ["text"] = "hi" })
            .ReplyWith("done");
        AIAgent agent = AIAgent.Builder().ChatClient(model)
            .Tools(AIFunctionFactory.Create((string text) => text.ToUpperInvariant(), "echo")).Grant(Capability.Tool("echo")).Build();

        AgentResponse response = await agent.RunAsync("say hi");

        Assert.Equal("done", response.Text);
        Assert.Equal("fake", response.Provider);
        Assert.Equal("fake-model", response.Model);
        Assert.Equal(new AgentUsage(20, 10), response.Usage);
        Assert.Equal(2, model.Requests.Count);
        Assert.Equal("say hi", model.Requests[0].LastUserText);
        Assert.Equal(["echo"], model.Requests[0].ToolNames);
        Assert.Equal(["HI"], model.Requests[1].ToolResults);
        Assert.Equal(0, model.Remaining);
    }

    [Fact]
    public async Task Fail_SimulatesAProviderOutage_TheExceptionReachesTheCaller()
    {
        var model = new ScriptedChatClient().Fail(new HttpRequestException("connection refused"));

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => AIAgent.Builder().ChatClient(model).Build().RunAsync("hi"));

        Assert.Equal("connection refused", ex.Message);
    }

    [Fact]
    public async Task NoStepLeft_ThrowsSayingHowManyWereQueued()
    {
        var model = new ScriptedChatClient().ReplyWith("one");
        await model.GetResponseAsync([new ChatMessage(ChatRole.User, "a")]);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => model.GetResponseAsync([new ChatMessage(ChatRole.User, "b")]));

        Assert.Contains("1 were queued and call 2 came", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streaming_GivesTheSameText()
    {
        var model = new ScriptedChatClient().ReplyWith("streamed");

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in model.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "a")]))
        {
            updates.Add(update);
        }

        Assert.Equal("streamed", updates.ToChatResponse().Text);
    }
}
