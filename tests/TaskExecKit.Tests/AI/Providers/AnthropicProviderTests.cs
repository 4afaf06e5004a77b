using System.Text.Json;
using TaskExecKit.AI;
using TaskExecKit.Effects;

namespace TaskExecKit.Tests.AI.Providers;

public sealed class AnthropicProviderTests
{
    [Fact]
    public async Task RunAsync_FakeAnthropicServer_AnswersOverMessagesApiAndRecordsProviderAndModel()
    {
        await using var server = new FakeProviderServer(FakeReply.Json(Wire.AnthropicText("Hello from the fake.")));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Anthropic).ApiKey("sk-test-key").Endpoint(server.Root).Model("claude-test").Build();

        AgentResponse response = await agent.RunAsync("Say hello");

        Assert.Equal("Hello from the fake.", response.Text);
        Assert.Equal("anthropic", response.Provider);
        Assert.Equal("claude-test", response.Model);
        Assert.Equal(new AgentUsage(12, 7), response.Usage);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/messages", request.Path);
        // The SDK (13.x) sends ApiKey as "Authorization: Bearer", as its documentation says.
        Assert.Equal("Bearer sk-test-key", request.Headers["authorization"]);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("claude-test", body.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task RunAsync_ToolUseRoundTrip_GrantedToolRunsAndUngrantedIsDeniedAndModelSeesBoth()
    {
        using var dir = new TempDirectory();
        dir.WriteFile("notes.txt", "the build is green");
        await using var server = new FakeProviderServer(
            FakeReply.Json(Wire.AnthropicToolUse(
                ("toolu_1", "file_read", new { path = "notes.txt" }),
                ("toolu_2", "file_read", new { path = "~/.ssh/id_rsa" }))),
            FakeReply.Json(Wire.AnthropicText("Notes say the build is green.")));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Anthropic).ApiKey("k").Endpoint(server.Root)
            .Tools(new FileTool()).Grant(Capability.FileRead(".")).BaseDirectory(dir.Path).Build();

        AgentResponse response = await agent.RunAsync("Read the notes");

        Assert.Equal("Notes say the build is green.", response.Text);
        Assert.Collection(response.ToolCalls,
            c => Assert.Equal(ToolCallOutcome.Succeeded, c.Outcome),
            c => Assert.Equal(ToolCallOutcome.Denied, c.Outcome));
        Assert.Equal(2, server.Requests.Count);
        string second = server.Requests[1].Body;
        Assert.Contains("tool_result", second, StringComparison.Ordinal);
        Assert.Contains("toolu_1", second, StringComparison.Ordinal);
        Assert.Contains("the build is green", second, StringComparison.Ordinal);
        Assert.Contains("Denied: this agent is not granted fs.read:", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RateLimitedWithLongRetryAfter_NextProviderAnswersAndAnthropicIsNotCalledAgainMeanwhile()
    {
        await using var server = new FakeProviderServer(
            FakeReply.Error(429, """{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}""", ("Retry-After", "30")));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Anthropic).ApiKey("k").Endpoint(server.Root).Fallback(AIProvider.Offline).Build();

        AgentResponse first = await agent.RunAsync("hello");
        AgentResponse second = await agent.RunAsync("hello");

        Assert.Equal("offline", first.Provider);
        Assert.Equal("offline", second.Provider);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task RunAsync_RateLimitedWithShortRetryAfter_RetriesTheSameProvider()
    {
        await using var server = new FakeProviderServer(
            FakeReply.Error(429, """{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}""", ("Retry-After", "0")),
            FakeReply.Json(Wire.AnthropicText("after the wait")));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Anthropic).ApiKey("k").Endpoint(server.Root).Fallback(AIProvider.Offline)
            .ProviderResilience(ProviderTestKit.NoRetries with { MaxRetries = 1 }).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal("anthropic", response.Provider);
        Assert.Equal("after the wait", response.Text);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task RunAsync_ServerError_NextProviderAnswers()
    {
        await using var server = new FakeProviderServer(FakeReply.Error(500));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Anthropic).ApiKey("k").Endpoint(server.Root).Fallback(AIProvider.Offline).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal("offline", response.Provider);
        Assert.True(response.IsCompleted);
    }

    [Fact]
    public async Task RunAsync_ServerHangs_AttemptTimesOutAndNextProviderAnswers()
    {
        await using var server = new FakeProviderServer(FakeReply.Hanging());
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Anthropic).ApiKey("k").Endpoint(server.Root).Fallback(AIProvider.Offline)
            .ProviderResilience(ProviderTestKit.NoRetries with { AttemptTimeout = TimeSpan.FromSeconds(1) }).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal("offline", response.Provider);
    }

    [Fact]
    public async Task RunAsync_MalformedBody_FailsWithClearNonTransientError()
    {
        await using var server = new FakeProviderServer(FakeReply.Json("""{"this is": "not a message"""));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Anthropic).ApiKey("k").Endpoint(server.Root).Build();

        var ex = await Assert.ThrowsAsync<AIProviderException>(() => agent.RunAsync("hello"));

        Assert.False(ex.IsTransient);
        Assert.Equal("anthropic", ex.Provider);
        Assert.Contains("could not be read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Unauthorized_FailsLoudlyWithoutFallback()
    {
        await using var server = new FakeProviderServer(
            FakeReply.Error(401, """{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"""));
        await using var openai = new FakeProviderServer(FakeReply.Json(Wire.OpenAIText("should not be asked")));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Anthropic).ApiKey("bad").Endpoint(server.Root)
            .Fallback(AIProvider.OpenAI, AIProvider.Offline).Endpoint(AIProvider.OpenAI, openai.V1()).Build();

        var ex = await Assert.ThrowsAsync<AIProviderException>(() => agent.RunAsync("hello"));

        Assert.False(ex.IsTransient);
        Assert.Equal(401, ex.StatusCode);
        Assert.Contains("ANTHROPIC_API_KEY", ex.Message, StringComparison.Ordinal);
        Assert.Empty(openai.Requests);
    }
}
