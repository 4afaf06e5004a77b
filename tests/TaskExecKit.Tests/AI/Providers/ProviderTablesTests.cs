using System.Text.Json;
using TaskExecKit.AI;
using TaskExecKit.Configuration;
using TaskExecKit.Tests.Cli;

namespace TaskExecKit.Tests.AI.Providers;

/// <summary>ai.toml's [providers.&lt;name&gt;] tables, over real HTTP against the loopback fakes.</summary>
public sealed class ProviderTablesTests
{
    private static AISettings Load(TempDirectory dir, string aiToml)
    {
        dir.File("config/ai.toml", aiToml);
        return EngineConfig.Load(dir.Combine("config"), new EngineConfigLoadOptions { EnvironmentVariables = new Dictionary<string, string>() }).AI;
    }

    [Fact]
    public async Task Configure_EachProviderOfTheChainHasItsOwnEndpointAndModel()
    {
        using var dir = new TempDirectory();
        await using var ollama = new FakeProviderServer(FakeReply.Error(500, """{"error":"model crashed"}"""));
        await using var openai = new FakeProviderServer(FakeReply.Json(Wire.OpenAIText("from the fallback", model: "qwen-local")));
        AISettings settings = Load(dir, $"""
            provider = "ollama"
            fallback = ["openai", "offline"]

            [providers.ollama]
            endpoint = "{ollama.Root}"
            model = "llama-local"

            [providers.openai]
            endpoint = "{openai.V1()}"
            model = "qwen-local"
            """);

        AIAgent agent = ProviderTestKit.Builder().Configure(settings).Build();
        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal(["ollama", "openai", "offline"], agent.ProviderChain);
        Assert.Equal("llama-local", agent.Model);
        Assert.Equal("from the fallback", response.Text);
        Assert.Equal("openai", response.Provider);
        using (var body = JsonDocument.Parse(Assert.Single(ollama.Requests).Body))
        {
            Assert.Equal("llama-local", body.RootElement.GetProperty("model").GetString());
        }

        var request = Assert.Single(openai.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        using (var body = JsonDocument.Parse(request.Body))
        {
            Assert.Equal("qwen-local", body.RootElement.GetProperty("model").GetString());
        }
    }

    [Fact]
    public async Task Configure_TopLevelEndpointAndModel_AreTheFirstProvidersAndWinOverItsTable()
    {
        using var dir = new TempDirectory();
        await using var top = new FakeProviderServer(FakeReply.Json(Wire.OpenAIText("top")));
        AISettings settings = Load(dir, $"""
            provider = "openai"
            endpoint = "{top.V1()}"
            model = "top-model"

            [providers.openai]
            endpoint = "http://127.0.0.1:9/v1"
            model = "table-model"
            """);

        AgentResponse response = await ProviderTestKit.Builder().Configure(settings).Build().RunAsync("hello");

        Assert.Equal("top", response.Text);
        using var body = JsonDocument.Parse(Assert.Single(top.Requests).Body);
        Assert.Equal("top-model", body.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Configure_ThenEndpointAndModelInCode_CodeWins()
    {
        using var dir = new TempDirectory();
        await using var code = new FakeProviderServer(FakeReply.Json(Wire.OpenAIText("from code")));
        AISettings settings = Load(dir, """
            provider = "openai"

            [providers.openai]
            endpoint = "http://127.0.0.1:9/v1"
            model = "file-model"
            """);

        AgentResponse response = await ProviderTestKit.Builder().Endpoint(AIProvider.OpenAI, code.V1()).Configure(settings).Model(AIProvider.OpenAI, "code-model").Build().RunAsync("hello");

        Assert.Equal("from code", response.Text);
        using var body = JsonDocument.Parse(Assert.Single(code.Requests).Body);
        Assert.Equal("code-model", body.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Configure_TableOfAProviderNotFirst_DoesNotFollowTheFirstProvider()
    {
        // The top-level model belongs to `provider`; another provider chosen in code keeps its own table's model.
        using var dir = new TempDirectory();
        await using var openai = new FakeProviderServer(FakeReply.Json(Wire.OpenAIText("ok")));
        AISettings settings = Load(dir, $"""
            provider = "anthropic"
            model = "claude-sonnet-4-5"

            [providers.openai]
            endpoint = "{openai.V1()}"
            model = "table-model"
            """);

        AgentResponse response = await ProviderTestKit.Builder().Configure(settings).Provider(AIProvider.OpenAI).Fallback().Build().RunAsync("hello");

        Assert.Equal("ok", response.Text);
        using var body = JsonDocument.Parse(Assert.Single(openai.Requests).Body);
        Assert.Equal("table-model", body.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task AiConfigure_FileWithTables_ReplacesTopLevelKeysAndKeepsTheTables()
    {
        using var dir = new TempDirectory();
        dir.File("config/ai.toml", """
            provider = "offline"
            timeout = "30s"

            [providers.openai]
            endpoint = "http://127.0.0.1:8080/v1"
            model = "qwen-local"

            [prices."openai/qwen-local"]
            input_per_mtok = 0
            output_per_mtok = 0
            """);

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "ai", "configure", "--provider", "anthropic", "--model", "claude-sonnet-4-5", "--fallback", "openai", "offline", "--config", "@config");

        Assert.True(code == 0, output + error);
        AISettings settings = EngineConfig.Load(dir.Combine("config"), new EngineConfigLoadOptions { EnvironmentVariables = new Dictionary<string, string>() }).AI;
        Assert.Equal("anthropic", settings.Provider);
        Assert.Equal("claude-sonnet-4-5", settings.Model);
        Assert.Equal(["openai", "offline"], settings.Fallback);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.Timeout);
        Assert.Equal("qwen-local", settings.Providers["openai"].Model);
        Assert.Equal(new Uri("http://127.0.0.1:8080/v1"), settings.Providers["openai"].Endpoint);
        Assert.Equal(0m, settings.Prices["openai/qwen-local"].InputPerMillionTokens);
    }

    [Fact]
    public async Task AiTest_ProviderWithATable_UsesItsEndpointAndModel()
    {
        using var dir = new TempDirectory();
        await using var server = new FakeProviderServer(FakeReply.Json(Wire.OpenAIText("pong", model: "table-model")));
        dir.File("config/ai.toml", $"""
            provider = "offline"

            [providers.openai]
            endpoint = "{server.V1()}"
            model = "table-model"
            """);

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "ai", "test", "--provider", "openai", "--config", "@config");

        Assert.True(code == 0, output + error);
        Assert.Contains("provider: openai", output, StringComparison.Ordinal);
        Assert.Contains("model:    table-model", output, StringComparison.Ordinal);
        Assert.Contains("cost:     unknown: no price for openai/table-model", output, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(Assert.Single(server.Requests).Body);
        Assert.Equal("table-model", body.RootElement.GetProperty("model").GetString());
    }
}
