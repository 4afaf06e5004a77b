using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Effects;

namespace TaskExecKit.Tests.AI;

public sealed class AIAgentBuilderTests
{
    [Fact]
    public void Build_NoProviderAndNoClient_NamesBothWaysToSetOne()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().Build());
        Assert.Contains("Provider(AIProvider.Offline)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ChatClient(...)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AIProvider.Anthropic, "TaskExecKit.AI.Anthropic")]
    [InlineData(AIProvider.OpenAI, "TaskExecKit.AI.OpenAI")]
    [InlineData(AIProvider.Ollama, "TaskExecKit.AI.Ollama")]
    public void Build_ProviderWithoutSatellite_NamesThePackageToAdd(AIProvider provider, string package)
    {
        // The test project references every satellite, so the "not referenced" case asks for a package that is not there.
        var known = ProviderInfo.Of(provider);
        Assert.Equal(package, known.Package);
        var ex = ProviderDiscovery.TryLoad(known with { Package = package + ".Missing" }, out string? problem);
        Assert.Null(ex);
        Assert.Equal($"AIProvider.{provider} needs the {package}.Missing package; add it (dotnet add package {package}.Missing), or register a factory with ProviderFactory(...), or pass your own IChatClient with ChatClient(...).", problem);
    }

    [Fact]
    public void Build_ProviderWithOwnClient_UsesTheClientAndTheProviderName()
    {
        using var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("ok"));
        AIAgent agent = AIAgent.Builder().Provider(AIProvider.Anthropic).ChatClient(client).Build();
        Assert.Equal("anthropic", agent.ProviderName);
    }

    [Fact]
    public void Build_ZeroMaxIterations_NamesMaxIterations()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().Provider(AIProvider.Offline).MaxIterations(0).Build());
        Assert.StartsWith("MaxIterations is 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NonPositiveBudgets_NameTheBound()
    {
        var tokens = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().Provider(AIProvider.Offline).Budget(new AgentBudget(MaxTokens: 0)).Build());
        Assert.Contains("MaxTokens", tokens.Message, StringComparison.Ordinal);
        var wall = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().Provider(AIProvider.Offline).Budget(new AgentBudget(MaxWallTime: TimeSpan.Zero)).Build());
        Assert.Contains("MaxWallTime", wall.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TwoToolsWithOneName_NamesTheTool()
    {
        var custom = AIFunctionFactory.Create(() => "x", "file_read");
        var ex = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().Provider(AIProvider.Offline).Tools(new FileTool()).Tools(custom).Build());
        Assert.Contains("'file_read'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_OfflineRulesWithAnotherProvider_SaysTheyDoNotApply()
    {
        using var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("ok"));
        var ex = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().ChatClient(client).OfflineRules(OfflineRule.Respond("x", "y")).Build());
        Assert.Contains("OfflineRules", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExampleFromTheIssue_BuildsAnAgentWithAnIdAndThePolicy()
    {
        AIAgent agent = AIAgent.Builder()
            .Provider(AIProvider.Offline)
            .Model("offline")
            .Tools(new ShellTool(), new FileTool())
            .Grant(Capability.Process("git"), Capability.FileRead("."))
            .Build();

        Assert.StartsWith("ai-agent-", agent.Id, StringComparison.Ordinal);
        Assert.Equal("offline", agent.ProviderName);
        Assert.Equal(2, agent.Policy.Grants.Count);
        Assert.Equal(10, agent.MaxIterations);
    }
}
