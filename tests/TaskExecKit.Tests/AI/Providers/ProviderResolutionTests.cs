using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.AI.Anthropic;
using TaskExecKit.Configuration;

namespace TaskExecKit.Tests.AI.Providers;

public sealed class ProviderResolutionTests
{
    [Fact]
    public void Build_AnthropicWithoutKey_NamesTheVariableAndApiKey()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ProviderTestKit.Builder().Provider(AIProvider.Anthropic).Build());

        Assert.Equal("the Anthropic provider needs an API key: set ANTHROPIC_API_KEY or call ApiKey(...)", ex.Message);
    }

    [Fact]
    public void Build_OpenAIWithoutKeyAtOpenAIsOwnEndpoint_NamesTheVariable()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ProviderTestKit.Builder().Provider(AIProvider.OpenAI).Build());

        Assert.Contains("OPENAI_API_KEY", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_KeyFromEnvironment_FindsThePackageByNameWithoutRegistration()
    {
        AIAgent agent = ProviderTestKit.Builder(new() { ["ANTHROPIC_API_KEY"] = "sk-env" }).Provider(AIProvider.Anthropic).Build();

        Assert.Equal("anthropic", agent.ProviderName);
        Assert.Equal(["anthropic"], agent.ProviderChain);
        Assert.Equal("claude-sonnet-4-5", agent.Model);
    }

    [Fact]
    public void Build_ChainWithUnusableProviders_SkipsThemWithTheirReason()
    {
        AIAgent agent = ProviderTestKit.Builder().Chain(AIProviderChain.CloudFirst).Build();

        Assert.Equal(["ollama", "offline"], agent.ProviderChain);
        Assert.Equal([AIProvider.Anthropic, AIProvider.OpenAI], agent.SkippedProviders.Select(s => s.Provider));
        Assert.Contains("ANTHROPIC_API_KEY", agent.SkippedProviders[0].Reason, StringComparison.Ordinal);
        Assert.Equal("ollama", agent.ProviderName);
    }

    [Fact]
    public void Build_LocalFirstPreset_StartsWithOllama()
    {
        AIAgent agent = ProviderTestKit.Builder(new() { ["OPENAI_API_KEY"] = "k" }).Chain(AIProviderChain.LocalFirst).Build();

        Assert.Equal(["ollama", "openai", "offline"], agent.ProviderChain);
        Assert.Equal(AIProvider.Anthropic, Assert.Single(agent.SkippedProviders).Provider);
    }

    [Fact]
    public void Build_NoProviderOfTheChainUsable_ListsEveryReason()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ProviderTestKit.Builder().Provider(AIProvider.Anthropic).Fallback(AIProvider.OpenAI).Build());

        Assert.Contains("ANTHROPIC_API_KEY", ex.Message, StringComparison.Ordinal);
        Assert.Contains("OPENAI_API_KEY", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Discovery_PackageNotReferenced_SaysWhichPackageToAdd()
    {
        var info = new ProviderInfo(AIProvider.Anthropic, "anthropic", "Anthropic", "TaskExecKit.AI.NotThere", "ANTHROPIC_API_KEY", null);

        Assert.Null(ProviderDiscovery.TryLoad(info, out string? problem));
        Assert.StartsWith("AIProvider.Anthropic needs the TaskExecKit.AI.NotThere package; add it", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExplicitFactory_IsUsedInsteadOfDiscovery()
    {
        var factory = new CountingFactory();
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Anthropic).ApiKey("k").ProviderFactory(factory).Build();

        Assert.Equal(1, factory.Created);
        Assert.Equal("k", factory.Last!.ApiKey);
        Assert.DoesNotContain("k)", factory.Last.ToString(), StringComparison.Ordinal);
        Assert.Equal("anthropic", agent.ProviderName);
    }

    [Fact]
    public void Build_EndpointFromEnvironmentIsNotHttp_SaysSoWithoutEchoingIt()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            ProviderTestKit.Builder(new() { ["ANTHROPIC_API_KEY"] = "k", ["ANTHROPIC_BASE_URL"] = "ftp://user:secret@host" }).Provider(AIProvider.Anthropic).Build());

        Assert.Contains("ANTHROPIC_BASE_URL", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("gpu-box", "http://gpu-box:11434/")]
    [InlineData("https://ollama.internal:8443", "https://ollama.internal:8443/")]
    public void OllamaHost_AcceptsHostPortHostOrUrl(string value, string expected)
    {
        Assert.Equal(new Uri(expected), ProviderInfo.Of(AIProvider.Ollama).EndpointFrom(value));
    }

    [Fact]
    public async Task Configure_AiTomlWithFallbackAndEndpoint_AppliesThemButNeverAKey()
    {
        using var dir = new TempDirectory();
        await using var server = new FakeProviderServer(FakeReply.Json(Wire.OpenAIText("from the toml endpoint")));
        dir.File("ai.toml", $"""
            provider = "openai"
            model = "gpt-test"
            endpoint = "{server.V1()}"
            fallback = ["anthropic", "offline"]
            """);
        EngineConfig config = EngineConfig.Load(dir.Path);

        AIAgent agent = ProviderTestKit.Builder().Configure(config.AI).Build();
        AgentResponse response = await agent.RunAsync("hi");

        Assert.Equal(["openai", "offline"], agent.ProviderChain);
        Assert.Equal(AIProvider.Anthropic, Assert.Single(agent.SkippedProviders).Provider);
        Assert.Equal("from the toml endpoint", response.Text);
    }

    [Fact]
    public void Build_ChatClientWithFallback_PutsYourClientFirst()
    {
        using var custom = new ScriptedChatClient(_ => ScriptedChatClient.Text("mine"));
        AIAgent agent = ProviderTestKit.Builder().ChatClient(custom).Fallback(AIProvider.Offline).Build();

        Assert.Equal(2, agent.ProviderChain.Count);
        Assert.Equal("offline", agent.ProviderChain[1]);
    }

    [Fact]
    public void Build_OfflineRulesWithOfflineAsFallback_IsAllowed()
    {
        AIAgent agent = ProviderTestKit.Builder(new() { ["OPENAI_API_KEY"] = "k" }).Provider(AIProvider.OpenAI)
            .Fallback(AIProvider.Offline).OfflineRules(OfflineRule.Respond(".*", "offline answer")).Build();

        Assert.Equal(["openai", "offline"], agent.ProviderChain);
    }

    private sealed class CountingFactory : IAIProviderFactory
    {
        public int Created { get; private set; }

        public AIProviderConnection? Last { get; private set; }

        public AIProvider Provider => AIProvider.Anthropic;

        public string DefaultModel => "counting";

        public IChatClient CreateChatClient(AIProviderConnection connection)
        {
            Created++;
            Last = connection;
            return new AnthropicProviderFactory().CreateChatClient(connection);
        }
    }
}

public sealed class ProviderFallbackTelemetryTests
{
    [Fact]
    public async Task RunAsync_FallbackWithTelemetry_RecordsTheSwitchAndTheAnsweringProvider()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TaskExecKit.Telemetry.TelemetrySystem(new TaskExecKit.Telemetry.TelemetryOptions { RuntimeDirectory = dir.Combine("runtime"), DiscoverStore = false, WriteJsonLogs = false });
        await using var server = new FakeProviderServer(FakeReply.Error(503, """{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"""));
        AIAgent agent = ProviderTestKit.Builder().Id("agent-fallback").Provider(AIProvider.Anthropic).ApiKey("k").Endpoint(server.Root)
            .Fallback(AIProvider.Offline).Telemetry(telemetry).Build();

        AgentResponse response = await agent.RunAsync("hello");
        await telemetry.FlushAsync();

        Assert.Equal("offline", response.Provider);
        var decision = Assert.Single(await telemetry.GetEventsAsync(new TaskExecKit.Telemetry.EventQuery(TaskExecKit.Telemetry.TimeRange.LastHour, "agent-fallback", [TaskExecKit.Telemetry.TelemetryEventKind.Decision])));
        Assert.Equal("ai.fallback", decision.Name);
        Assert.Contains("HTTP 503", decision.Reason, StringComparison.Ordinal);
    }
}
