using TaskExecKit.Configuration;
using TaskExecKit.Tests.AI.Providers;

namespace TaskExecKit.Tests.Cli;

public sealed class AICommandTests
{
    [Fact]
    public async Task Configure_Anthropic_WritesAiTomlWithoutAKeyAndNamesTheVariable()
    {
        using var dir = new TempDirectory();

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "ai", "configure", "--provider", "anthropic", "--model", "claude-3", "--fallback", "openai", "offline", "--config", "@config");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        string toml = await File.ReadAllTextAsync(dir.Combine("config", "ai.toml"));
        Assert.Contains("provider = \"anthropic\"", toml, StringComparison.Ordinal);
        Assert.DoesNotContain("key", toml.Replace("API keys never go in this file", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ANTHROPIC_API_KEY", output, StringComparison.Ordinal);
        Assert.Contains("OPENAI_API_KEY", output, StringComparison.Ordinal);
        var ai = EngineConfig.Load(dir.Combine("config")).AI;
        Assert.Equal(("anthropic", "claude-3"), (ai.Provider, ai.Model));
        Assert.Equal(["openai", "offline"], ai.Fallback);
    }

    [Fact]
    public async Task Configure_Twice_KeepsOtherKeysAndReplacesTheProvider()
    {
        using var dir = new TempDirectory();
        dir.File("config/ai.toml", "provider = \"offline\"\ntimeout = \"30s\"\n");

        var (code, _, _) = await CliHarness.RunAsync(dir.Path, "ai", "configure", "--provider", "ollama", "--config", "@config");

        Assert.Equal(0, code);
        var ai = EngineConfig.Load(dir.Combine("config")).AI;
        Assert.Equal("ollama", ai.Provider);
        Assert.Equal(TimeSpan.FromSeconds(30), ai.Timeout);
    }

    [Fact]
    public async Task Test_FakeOpenAICompatibleServer_PrintsProviderLatencyAndTokens()
    {
        using var dir = new TempDirectory();
        await using var server = new FakeProviderServer(FakeReply.Json(Wire.OpenAIText("pong")));

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "ai", "test", "--provider", "openai", "--model", "gpt-test", "--endpoint", server.V1().ToString(), "--config", "@config");

        Assert.True(code == 0, error);
        Assert.Contains("provider: openai", output, StringComparison.Ordinal);
        Assert.Contains("model:    gpt-test", output, StringComparison.Ordinal);
        Assert.Contains("latency:", output, StringComparison.Ordinal);
        Assert.Contains("tokens:   11 in, 6 out", output, StringComparison.Ordinal);
        Assert.Contains("answer:   pong", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_ClosedPort_SaysInOneParagraphThatTheProviderCannotBeReached()
    {
        using var dir = new TempDirectory();
        int port = FakeProviderServer.ClosedPort();

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "ai", "test", "--provider", "ollama", "--endpoint", $"http://127.0.0.1:{port}", "--config", "@config");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("task-exec-kit: ai test: ollama did not answer.", error, StringComparison.Ordinal);
        Assert.Contains($"could not be reached at http://127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_Offline_AnswersWithoutNetwork()
    {
        using var dir = new TempDirectory();

        var (code, output, _) = await CliHarness.RunAsync(dir.Path, "ai", "test", "--provider", "offline", "--config", "@config");

        Assert.Equal(0, code);
        Assert.Contains("provider: offline", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsList_Available_ListsOnlyGrantedTools()
    {
        using var dir = new TempDirectory();
        dir.File("config/safety.toml", "[grants]\nfs_read = [\"docs/**\"]\n");

        var (all, allOutput, _) = await CliHarness.RunAsync(dir.Path, "ai", "tools", "list", "--config", "@config");
        var (code, output, _) = await CliHarness.RunAsync(dir.Path, "ai", "tools", "list", "--available", "--config", "@config");

        Assert.Equal(0, all);
        Assert.Contains("shell_run", allOutput, StringComparison.Ordinal);
        Assert.Contains("(nothing: denied)", allOutput, StringComparison.Ordinal);
        Assert.Equal(0, code);
        Assert.Contains("file_read", output, StringComparison.Ordinal);
        Assert.Contains("docs/**", output, StringComparison.Ordinal);
        Assert.DoesNotContain("shell_run", output, StringComparison.Ordinal);
        Assert.DoesNotContain("file_write", output, StringComparison.Ordinal);
    }
}
