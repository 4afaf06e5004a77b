using TaskExecKit.AI;

namespace TaskExecKit.Tests.AICosts;

public sealed class AIPriceTableTests
{
    [Fact]
    public void CostOf_InputAndOutputPerMillion_AddsBoth()
    {
        var price = new ModelPrice(3m, 15m);

        Assert.Equal(0.0105m, price.CostOf(1_000, 500));
        Assert.Equal(0m, ModelPrice.Free.CostOf(1_000_000, 1_000_000));
    }

    [Fact]
    public void Default_PricesThePackagesDefaultModelsAndOffline()
    {
        Assert.Equal(new ModelPrice(3m, 15m), AIPriceTable.Default.Find("anthropic", "claude-sonnet-4-5"));
        Assert.Equal(new ModelPrice(0.15m, 0.60m), AIPriceTable.Default.Find("openai", "gpt-4o-mini"));
        Assert.Equal(ModelPrice.Free, AIPriceTable.Default.Find("ollama", "llama3.2"));
        Assert.Equal(ModelPrice.Free, AIPriceTable.Default.Find("offline", "anything"));
        Assert.Equal("2025-10", AIPriceTable.DefaultPricesAsOf);
    }

    [Theory]
    [InlineData("anthropic", "claude-sonnet-4-5-20250929")]
    [InlineData("ANTHROPIC", "Claude-Sonnet-4-5")]
    [InlineData("openai", "gpt-4o-mini-2024-07-18")]
    [InlineData("ollama", "llama3.2:latest")]
    public void Find_DatedSnapshotOrLatestTagOrOtherCase_FindsTheModelsPrice(string provider, string model)
        => Assert.NotNull(AIPriceTable.Default.Find(provider, model));

    [Theory]
    [InlineData("openai", "gpt-4o")]
    [InlineData("openai", "gpt-4o-mini-high")]
    [InlineData("anthropic", "claude-3-sonnet")]
    [InlineData("custom", "my-model")]
    [InlineData("ollama", "qwen2.5:7b")]
    public void Find_ModelWithoutAPrice_IsUnknownNotGuessed(string provider, string model)
    {
        Assert.Null(AIPriceTable.Default.Find(provider, model));
        Assert.Null(AIPriceTable.Default.EstimateCost(provider, model, 100, 100));
    }

    [Fact]
    public void Find_ProviderWildcard_PricesEveryModelOfTheProvider()
    {
        var table = AIPriceTable.Empty.With("ollama", "*", ModelPrice.Free).With("ollama", "big", new ModelPrice(1m, 2m));

        Assert.Equal(ModelPrice.Free, table.Find("ollama", "qwen2.5:7b"));
        Assert.Equal(new ModelPrice(1m, 2m), table.Find("ollama", "big"));
    }

    [Fact]
    public void Empty_StillPricesTheOfflineProviderAtZero_UnlessTheTableSaysOtherwise()
    {
        Assert.Equal(ModelPrice.Free, AIPriceTable.Empty.Find("offline", "offline"));
        Assert.Null(AIPriceTable.Empty.Find("anthropic", "claude-sonnet-4-5"));
        Assert.Equal(new ModelPrice(1m, 1m), AIPriceTable.Empty.With("offline", "*", new ModelPrice(1m, 1m)).Find("offline", "offline"));
    }

    [Fact]
    public void With_IsImmutableAndRefusesBadEntries()
    {
        var table = AIPriceTable.Empty.With("p", "m", new ModelPrice(1m, 1m));

        Assert.Empty(AIPriceTable.Empty.Prices);
        Assert.Equal(["p/m"], table.Prices.Keys);
        Assert.Throws<ArgumentException>(() => table.With("p", "m", new ModelPrice(-1m, 1m)));
        Assert.Throws<ArgumentException>(() => table.With("p/q", "m", ModelPrice.Free));
        Assert.Throws<ArgumentException>(() => table.With("p", " ", ModelPrice.Free));
    }
}
