using TaskExecKit.AI;
using TaskExecKit.Effects;

namespace TaskExecKit.Tests.AI.Providers;

public sealed class OllamaProviderTests
{
    [Fact]
    public async Task RunAsync_FakeOllamaServer_AnswersOverApiChat()
    {
        await using var server = new FakeProviderServer(new FakeReply(200, Wire.OllamaText("Local hello."), "application/x-ndjson"));
        AIAgent agent = ProviderTestKit.Builder(new() { ["OLLAMA_HOST"] = $"127.0.0.1:{server.Port}" }).Provider(AIProvider.Ollama).Model("llama-test").Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal("Local hello.", response.Text);
        Assert.Equal("ollama", response.Provider);
        Assert.Equal("llama-test", response.Model);
        Assert.Equal("/api/chat", Assert.Single(server.Requests).Path);
    }

    [Fact]
    public async Task RunAsync_ToolRoundTrip_GrantedToolRunsAndUngrantedIsDenied()
    {
        using var dir = new TempDirectory();
        dir.WriteFile("todo.txt", "water the plants");
        await using var server = new FakeProviderServer(
            new FakeReply(200, Wire.OllamaToolCalls(("file_read", new { path = "todo.txt" }), ("file_read", new { path = "/etc/passwd" })), "application/x-ndjson"),
            new FakeReply(200, Wire.OllamaText("Water the plants."), "application/x-ndjson"));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Ollama).Endpoint(server.Root)
            .Tools(new FileTool()).Grant(Capability.FileRead(".")).BaseDirectory(dir.Path).Build();

        AgentResponse response = await agent.RunAsync("What is on my list?");

        Assert.Equal("Water the plants.", response.Text);
        Assert.Equal([ToolCallOutcome.Succeeded, ToolCallOutcome.Denied], response.ToolCalls.Select(c => c.Outcome));
        string second = server.Requests[1].Body;
        Assert.Contains("water the plants", second, StringComparison.Ordinal);
        Assert.Contains("Denied: this agent is not granted fs.read:/etc/passwd", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ConnectionRefused_NextProviderAnswers()
    {
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Ollama).Endpoint(new Uri($"http://127.0.0.1:{FakeProviderServer.ClosedPort()}"))
            .Fallback(AIProvider.Offline).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal("offline", response.Provider);
    }

    [Fact]
    public async Task RunAsync_ConnectionRefusedAlone_SaysItCouldNotBeReached()
    {
        int port = FakeProviderServer.ClosedPort();
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Ollama).Endpoint(new Uri($"http://127.0.0.1:{port}")).Build();

        var ex = await Assert.ThrowsAsync<AIProviderException>(() => agent.RunAsync("hello"));

        Assert.True(ex.IsTransient);
        Assert.Contains($"could not be reached at http://127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServerError_NextProviderAnswers()
    {
        await using var server = new FakeProviderServer(FakeReply.Error(500, """{"error":"model crashed"}"""));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Ollama).Endpoint(server.Root).Fallback(AIProvider.Offline).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal("offline", response.Provider);
    }

    [Fact]
    public async Task RunAsync_MalformedBody_FailsWithClearNonTransientError()
    {
        await using var server = new FakeProviderServer(new FakeReply(200, "{not json at all\n", "application/x-ndjson"));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Ollama).Endpoint(server.Root).Build();

        var ex = await Assert.ThrowsAsync<AIProviderException>(() => agent.RunAsync("hello"));

        Assert.False(ex.IsTransient);
        Assert.Contains("could not be read", ex.Message, StringComparison.Ordinal);
    }
}
