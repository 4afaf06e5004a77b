using TaskExecKit.AI;
using TaskExecKit.Tests.AI.Providers;

namespace TaskExecKit.Tests.AICosts;

public sealed class CostOverHttpTests
{
    [Fact]
    public async Task RunAsync_AnthropicAnswersWithADatedSnapshot_IsPricedByTheDefaultTable()
    {
        await using var server = new FakeProviderServer(FakeReply.Json(Wire.AnthropicText("Hello.", model: "claude-sonnet-4-5-20250929")));
        AIAgent agent = ProviderTestKit.Builder().Provider(AIProvider.Anthropic).ApiKey("sk-test").Endpoint(server.Root).Build();

        AgentResponse response = await agent.RunAsync("hello");

        // 12 input tokens at 3 and 7 output tokens at 15 per million.
        Assert.Equal("claude-sonnet-4-5-20250929", response.Model);
        Assert.Equal(new AgentUsage(12, 7, 0.000141m), response.Usage);
    }

    [Fact]
    public async Task CostSection_DocExample_CompilesAndBuildNamesTheMissingKey()
    {
        var cancellationToken = CancellationToken.None;

        async Task CostExample()
        {
            // --- docs/ai.md: "Cost estimates and the cost budget", verbatim ---
            AIAgent agent = AIAgent.Builder()
                .Provider(AIProvider.Anthropic)
                .Price("anthropic", "claude-sonnet-4-5", new ModelPrice(InputPerMillionTokens: 3m, OutputPerMillionTokens: 15m))
                .Price("ollama", "*", ModelPrice.Free)                     // every local model
                .Budget(new AgentBudget(MaxCost: 0.50m))                    // in the table's unit: US dollars here
                .Build();
            AgentResponse response = await agent.RunAsync("Summarize the failing tests", cancellationToken);
            Console.WriteLine(response.Usage.CostEstimate is { } cost ? $"~{cost:0.0000} USD" : "cost unknown");
        }

        if (Environment.GetEnvironmentVariable("ANTHROPIC_API_KEY") is { Length: > 0 })
        {
            return;   // a machine with a real key would call the real service: not in tests
        }

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(CostExample);
        Assert.Contains("ANTHROPIC_API_KEY", ex.Message, StringComparison.Ordinal);
    }
}
