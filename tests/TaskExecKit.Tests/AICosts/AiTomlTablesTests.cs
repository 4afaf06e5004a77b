using TaskExecKit.Configuration;
using TaskExecKit.Tests.Configuration;

namespace TaskExecKit.Tests.AICosts;

/// <summary>Reading ai.toml's [providers.&lt;name&gt;] and [prices."provider/model"] tables, and their errors.</summary>
public sealed class AiTomlTablesTests
{
    private static EngineConfigLoadOptions NoVariables() => new() { EnvironmentVariables = new Dictionary<string, string>() };

    [Fact]
    public void Load_ProviderAndPriceTables_AreRead()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("ai.toml", """
            provider = "anthropic"
            fallback = ["openai", "offline"]

            [providers.openai]
            endpoint = "http://127.0.0.1:8080/v1"
            model = "qwen2.5-7b"

            [prices."anthropic/claude-sonnet-4-5"]
            input_per_mtok = 3.0
            output_per_mtok = 15

            [prices."Ollama/*"]
            input_per_mtok = 0
            output_per_mtok = 0
            """);

        AISettings ai = EngineConfig.Load(dir.Path, NoVariables()).AI;

        var openai = Assert.Single(ai.Providers).Value;
        Assert.Equal(new Uri("http://127.0.0.1:8080/v1"), openai.Endpoint);
        Assert.Equal("qwen2.5-7b", openai.Model);
        Assert.Equal(["anthropic/claude-sonnet-4-5", "ollama/*"], ai.Prices.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3m, ai.Prices["anthropic/claude-sonnet-4-5"].InputPerMillionTokens);
        Assert.Equal(15m, ai.Prices["anthropic/claude-sonnet-4-5"].OutputPerMillionTokens);
    }

    [Fact]
    public void Load_ProviderTableFromAnEnvironmentVariable_OverridesTheFile()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("ai.toml", "[providers.ollama]\nendpoint = \"http://127.0.0.1:11434\"\n");

        AISettings ai = EngineConfig.Load(dir.Path, new EngineConfigLoadOptions
        {
            EnvironmentVariables = new Dictionary<string, string> { ["TASKEXECKIT__AI__PROVIDERS__OLLAMA__MODEL"] = "llama3.1" },
        }).AI;

        Assert.Equal("llama3.1", ai.Providers["ollama"].Model);
        Assert.Equal(new Uri("http://127.0.0.1:11434"), ai.Providers["ollama"].Endpoint);
    }

    [Fact]
    public void Load_KeyInAProviderTable_IsRefusedWithoutEchoingIt()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("ai.toml", "[providers.openai]\nendpoint = \"http://127.0.0.1:8080/v1\"\napi_key = \"sk-live-123456\"\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, NoVariables()));

        Assert.Equal(file, ex.File);
        Assert.Equal(3, ex.Line);
        Assert.Contains("looks like a secret", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-live", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EndpointWithCredentialsInAProviderTable_IsRefusedWithoutEchoingIt()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("ai.toml", "[providers.openai]\nendpoint = \"http://user:hunter2@127.0.0.1:8080/v1\"\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, NoVariables()));

        Assert.Equal(file, ex.File);
        Assert.Equal(2, ex.Line);
        Assert.Equal("ai.providers.openai.endpoint", ex.Key);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("offline", "the offline provider has no endpoint")]
    [InlineData("mystery", "providers: anthropic, openai, ollama")]
    public void Load_TableOfAProviderWithoutSettings_NamesFileAndLine(string provider, string expected)
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("ai.toml", $"provider = \"offline\"\n\n[providers.{provider}]\nmodel = \"x\"\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, NoVariables()));

        Assert.Equal(file, ex.File);
        Assert.Equal(3, ex.Line);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownKeyInAProviderTable_SuggestsTheKnownOne()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("ai.toml", "[providers.openai]\nendpont = \"http://127.0.0.1:8080/v1\"\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, NoVariables()));

        Assert.Equal(2, ex.Line);
        Assert.Contains("did you mean 'endpoint'?", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PriceWithoutTheOutputPrice_NamesFileLineAndBothKeys()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("ai.toml", "provider = \"offline\"\n\n[prices.\"openai/gpt-4o-mini\"]\ninput_per_mtok = 0.15\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, NoVariables()));

        Assert.Equal(file, ex.File);
        Assert.Equal(3, ex.Line);
        Assert.Contains("needs both input_per_mtok and output_per_mtok", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[prices.\"claude\"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n", 1, "keyed \"provider/model\"")]
    [InlineData("[prices.\"a/b/c\"]\ninput_per_mtok = 1\noutput_per_mtok = 1\n", 1, "keyed \"provider/model\"")]
    [InlineData("[prices.\"openai/x\"]\ninput_per_mtok = -1\noutput_per_mtok = 1\n", 2, "must be between 0 and")]
    [InlineData("[prices.\"openai/x\"]\ninput_per_mtok = \"cheap\"\noutput_per_mtok = 1\n", 2, "must be a number")]
    [InlineData("[prices.\"openai/x\"]\ninput_per_mtok = 1\noutput_per_mtok = 1\ncurrency = \"EUR\"\n", 4, "unknown key 'currency'")]
    public void Load_BadPriceTable_NamesTheLineAndTheProblem(string toml, int line, string expected)
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("ai.toml", toml);

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, NoVariables()));

        Assert.Equal(file, ex.File);
        Assert.Equal(line, ex.Line);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
