using System.Text.Json;
using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.AI.OpenAI;
using TaskExecKit.Effects;

namespace TaskExecKit.Tests.AI.Providers;

public sealed class OpenAIProviderTests
{
    [Fact]
    public async Task RunAsync_FakeOpenAIServer_AnswersOverChatCompletions()
    {
        await using var server = new FakeProviderServer(FakeReply.Json(Wire.OpenAIText("Hi from a compatible server.")));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.OpenAI).ApiKey("sk-openai").Endpoint(server.V1()).Model("gpt-test").Build();

        AgentResponse response = await agent.RunAsync("Say hi");

        Assert.Equal("Hi from a compatible server.", response.Text);
        Assert.Equal("openai", response.Provider);
        Assert.Equal("gpt-test", response.Model);
        Assert.Equal(new AgentUsage(11, 6), response.Usage);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer sk-openai", request.Headers["authorization"]);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("gpt-test", body.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Build_LocalCompatibleServerWithoutKey_NeedsNoKey()
    {
        await using var server = new FakeProviderServer(FakeReply.Json(Wire.OpenAIText("local answer")));
        AIAgent agent = ProviderTestKit.Builder(new() { ["OPENAI_BASE_URL"] = server.V1().ToString() }).Provider(AIProvider.OpenAI).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal("local answer", response.Text);
    }

    [Fact]
    public async Task RunAsync_ToolCallsRoundTrip_GrantedToolRunsAndUngrantedIsDeniedAndModelSeesBoth()
    {
        using var dir = new TempDirectory();
        dir.WriteFile("notes.txt", "deploy on friday");
        await using var server = new FakeProviderServer(
            FakeReply.Json(Wire.OpenAIToolCalls(
                ("call_1", "file_read", new { path = "notes.txt" }),
                ("call_2", "file_write", new { path = "notes.txt", content = "pwned" }))),
            FakeReply.Json(Wire.OpenAIText("Deploy is on Friday.")));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.OpenAI).ApiKey("k").Endpoint(server.V1())
            .Tools(new FileTool()).Grant(Capability.FileRead(".")).BaseDirectory(dir.Path).Build();

        AgentResponse response = await agent.RunAsync("When is the deploy?");

        Assert.Equal("Deploy is on Friday.", response.Text);
        Assert.Equal([ToolCallOutcome.Succeeded, ToolCallOutcome.Denied], response.ToolCalls.Select(c => c.Outcome));
        Assert.Equal("deploy on friday", await File.ReadAllTextAsync(dir.Combine("notes.txt")));
        string second = server.Requests[1].Body;
        Assert.Contains("call_1", second, StringComparison.Ordinal);
        Assert.Contains("deploy on friday", second, StringComparison.Ordinal);
        Assert.Contains("Denied: this agent is not granted fs.write:", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ServerSentEvents_ArriveAsUpdates()
    {
        await using var server = new FakeProviderServer(FakeReply.Sse(
            Wire.OpenAIChunk("Hel"), Wire.OpenAIChunk("lo, "), Wire.OpenAIChunk("stream"), Wire.OpenAIChunk(null, "stop"), "[DONE]"));
        using IChatClient client = new OpenAIProviderFactory().CreateChatClient(TestConnection(AIProvider.OpenAI, server.V1()));

        var parts = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync("hi"))
        {
            parts.Add(update.Text);
        }

        Assert.Equal("Hello, stream", string.Concat(parts));
        using var body = JsonDocument.Parse(Assert.Single(server.Requests).Body);
        Assert.True(body.RootElement.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_FirstProviderFails_ChainStreamsFromTheNext()
    {
        await using var failing = new FakeProviderServer(FakeReply.Error(503, """{"error":{"message":"overloaded"}}"""));
        await using var server = new FakeProviderServer(FakeReply.Sse(Wire.OpenAIChunk("from "), Wire.OpenAIChunk("backup"), Wire.OpenAIChunk(null, "stop"), "[DONE]"));
        var resolution = ProviderTestKit.Builder()
            .Provider(AIProvider.Anthropic).ApiKey("k").Endpoint(failing.Root)
            .Fallback(AIProvider.OpenAI).Endpoint(AIProvider.OpenAI, server.V1()).Build();
        var chain = Assert.IsType<ProviderChainChatClient>(AgentClient(resolution));

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in chain.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]))
        {
            updates.Add(update);
        }

        Assert.Equal("from backup", string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.Equal("openai", u.AdditionalProperties?[ProviderChainChatClient.ProviderKey]));
    }

    [Fact]
    public async Task RunAsync_RateLimited_NextProviderAnswers()
    {
        await using var server = new FakeProviderServer(FakeReply.Error(429, """{"error":{"message":"rate limited","type":"requests"}}""", ("Retry-After", "20")));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.OpenAI).ApiKey("k").Endpoint(server.V1()).Fallback(AIProvider.Offline).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal("offline", response.Provider);
    }

    [Fact]
    public async Task RunAsync_ServerErrorThenTimeout_EachFallsThroughToTheNextProvider()
    {
        await using var broken = new FakeProviderServer(FakeReply.Error(500, """{"error":{"message":"boom"}}"""));
        await using var hanging = new FakeProviderServer(FakeReply.Hanging());
        AIAgent agent = ProviderTestKit.Builder()
            .Provider(AIProvider.OpenAI).ApiKey("k").Endpoint(broken.V1())
            .Fallback(AIProvider.Ollama, AIProvider.Offline).Endpoint(AIProvider.Ollama, hanging.Root)
            .ProviderResilience(ProviderTestKit.NoRetries with { AttemptTimeout = TimeSpan.FromSeconds(1) })
            .Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal("offline", response.Provider);
        Assert.Single(broken.Requests);
        Assert.Single(hanging.Requests);
    }

    [Fact]
    public async Task RunAsync_MalformedBody_FailsWithClearNonTransientError()
    {
        await using var server = new FakeProviderServer(FakeReply.Json("<html>proxy error page</html>"));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.OpenAI).ApiKey("k").Endpoint(server.V1()).Fallback(AIProvider.Offline).Build();

        var ex = await Assert.ThrowsAsync<AIProviderException>(() => agent.RunAsync("hello"));

        Assert.False(ex.IsTransient);
        Assert.Contains("could not be read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Unauthorized_FailsLoudlyWithoutFallback()
    {
        await using var server = new FakeProviderServer(FakeReply.Error(401, """{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"""));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.OpenAI).ApiKey("bad").Endpoint(server.V1()).Fallback(AIProvider.Offline).Build();

        var ex = await Assert.ThrowsAsync<AIProviderException>(() => agent.RunAsync("hello"));

        Assert.Equal(401, ex.StatusCode);
        Assert.Contains("OPENAI_API_KEY", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BadRequest_FailsLoudlyWithoutFallback()
    {
        await using var server = new FakeProviderServer(FakeReply.Error(400, """{"error":{"message":"model not supported","type":"invalid_request_error"}}"""));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.OpenAI).ApiKey("k").Endpoint(server.V1()).Fallback(AIProvider.Offline).Build();

        var ex = await Assert.ThrowsAsync<AIProviderException>(() => agent.RunAsync("hello"));

        Assert.Equal(400, ex.StatusCode);
        Assert.False(ex.IsTransient);
    }

    internal static AIProviderConnection TestConnection(AIProvider provider, Uri endpoint, string model = "gpt-test") => new(provider, "k", endpoint, model);

    /// <summary>The client an agent asks (internal), to exercise the chain directly.</summary>
    internal static IChatClient AgentClient(AIAgent agent) =>
        (IChatClient)typeof(AIAgent).GetField("_client", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(agent)!;
}
