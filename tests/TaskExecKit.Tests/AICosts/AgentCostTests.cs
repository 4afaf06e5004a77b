using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using TaskExecKit.Agents;
using TaskExecKit.AI;
using TaskExecKit.Configuration;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;
using TaskExecKit.Tests.Agents.Composition;
using TaskExecKit.Tests.AI;

namespace TaskExecKit.Tests.AICosts;

public sealed class AgentCostTests
{
    /// <summary>(10 in × 1000 + 5 out × 2000) per million = 0.02 per call of the scripted model.</summary>
    private static readonly ModelPrice ScriptedPrice = new(1000m, 2000m);

    private static ScriptedChatClient PingForever()
    {
        int call = 0;
        return new ScriptedChatClient(_ => ScriptedChatClient.Call("c" + ++call, "ping", []));
    }

    private static AIAgentBuilder WithPing(IChatClient model) => AIAgent.Builder().ChatClient(model)
        .Tools(AIFunctionFactory.Create(() => "pong", "ping")).Grant(Capability.Tool("ping")).MaxIterations(20);

    [Fact]
    public async Task RunAsync_PricedModel_UsageCarriesTheCostEstimate()
    {
        using var model = new ScriptedChatClient(_ => ScriptedChatClient.Call("c1", "ping", []), _ => ScriptedChatClient.Text("done"));
        AIAgent agent = WithPing(model).Price("scripted", "scripted-1", ScriptedPrice).Build();

        AgentResponse response = await agent.RunAsync("ping once");

        Assert.Equal(AgentStopReason.Completed, response.StopReason);
        Assert.Equal(new AgentUsage(20, 10, 0.04m), response.Usage);
    }

    [Fact]
    public async Task RunAsync_ModelWithoutAPrice_CostIsUnknownAndTheRunCompletes()
    {
        using var model = new ScriptedChatClient(_ => ScriptedChatClient.Text("hi"));
        AIAgent agent = AIAgent.Builder().ChatClient(model).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.True(response.IsCompleted);
        Assert.Null(response.Usage.CostEstimate);
        Assert.Equal(15, response.Usage.TotalTokens);
    }

    [Fact]
    public async Task RunAsync_OfflineProvider_CostsZero()
    {
        AIAgent agent = AIAgent.Builder().Provider(AIProvider.Offline).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal(0m, response.Usage.CostEstimate);
    }

    [Fact]
    public async Task RunAsync_CostOverMaxCost_StopsWithCostBudgetAfterOneCallTooMany()
    {
        using var model = PingForever();
        AIAgent agent = WithPing(model).Price("scripted", "scripted-1", ScriptedPrice).Budget(new AgentBudget(MaxCost: 0.05m)).Build();

        AgentResponse response = await agent.RunAsync("ping until told to stop");

        // 0.02 a call: after 3 calls 0.06 > 0.05, so the run stops there (overshoot: one call) and the third call's tool does not run.
        Assert.Equal(AgentStopReason.CostBudget, response.StopReason);
        Assert.Equal(3, response.ModelCalls);
        Assert.Equal(0.06m, response.Usage.CostEstimate);
        Assert.Equal(2, response.ToolCalls.Count);
        Assert.Contains("over the cost budget of 0.05", response.StopDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MaxCostWithoutAPriceForTheModel_NamesTheMissingPrice()
    {
        using var model = new ScriptedChatClient(_ => ScriptedChatClient.Text("hi"));

        var ex = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().ChatClient(model).Model("scripted-1").Budget(new AgentBudget(MaxCost: 1m)).Build());

        Assert.Contains("scripted/scripted-1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[prices.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MaxCostAndAClientWhoseModelIsUnpriced_StopsAtTheFirstAnswerRatherThanGuess()
    {
        // No model named in code, so Build cannot check the price; the first answer (scripted-1, unpriced) ends the run.
        using var model = new ScriptedChatClient(_ => ScriptedChatClient.Text("hi"));
        AIAgent agent = AIAgent.Builder().ChatClient(model).Budget(new AgentBudget(MaxCost: 1m)).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal(AgentStopReason.CostBudget, response.StopReason);
        Assert.Null(response.Usage.CostEstimate);
        Assert.Contains("scripted/scripted-1, which has no price", response.StopDetail, StringComparison.Ordinal);
        Assert.Contains("[prices.\"scripted/scripted-1\"]", response.StopDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MaxCostNotPositive_NamesIt()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().Provider(AIProvider.Offline).Budget(new AgentBudget(MaxCost: 0m)).Build());

        Assert.Contains("MaxCost", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelAnswersUnderAnotherName_IsPricedAsTheModelAskedFor()
    {
        // Providers often answer with a name of their own (an alias resolved, a snapshot); the model asked for keeps its price.
        using var model = new ScriptedChatClient("scripted", "scripted-latest-build", _ => ScriptedChatClient.Text("hi"));
        AIAgent agent = AIAgent.Builder().ChatClient(model).Model("scripted-1").Prices(AIPriceTable.Empty.With("scripted", "scripted-1", ScriptedPrice))
            .Budget(new AgentBudget(MaxCost: 1m)).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal(AgentStopReason.Completed, response.StopReason);
        Assert.Equal("scripted-latest-build", response.Model);
        Assert.Equal(0.02m, response.Usage.CostEstimate);
    }

    [Fact]
    public async Task AITask_BudgetLedgerWithMaxCost_ChargesTheEstimateAndStopsTheNextModelCall()
    {
        var ledger = new BudgetLedger("cost-stack", new Budget(MaxCost: 0.01m));
        var registry = new AgentRegistry()
            .AddAI(ai => ai.Price("offline", "*", new ModelPrice(100_000m, 100_000m)))
            .Use(inner => new TaskAgentBuilder(inner).UseBudget(ledger).Build());
        var plan = Plan.Builder()
            .Task("T-1", t => t.Agent("ai").Description("say hello"))
            .Task("T-2", t => t.Agent("ai").Description("say hello").Needs("T-1"))
            .Build();

        var result = await AgentTestKit.RunAsync(plan, registry);

        // The first model call costs more than the whole budget (overshoot: one call); the second task never calls the model.
        decimal afterFirst = ledger.Usage.Cost;
        Assert.True(afterFirst > 0.01m, afterFirst.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(TaskRunStatus.Failed, AgentTestKit.Task(result, "T-2").Status);
        Assert.Contains("cost budget of 'cost-stack' is spent", AgentTestKit.Task(result, "T-2").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AITask_BudgetLedgerWithMaxCostAndAnUnpricedModel_FailsWithCostBudget()
    {
        var ledger = new BudgetLedger("cost-stack", new Budget(MaxCost: 5m));
        using var model = new ScriptedChatClient(_ => ScriptedChatClient.Text("hi"));
        var registry = new AgentRegistry()
            .AddAI(ai => ai.ChatClient(model))
            .Use(inner => new TaskAgentBuilder(inner).UseBudget(ledger).Build());
        var plan = Plan.Builder().Task("T-1", t => t.Agent("ai").Description("say hello")).Build();

        var result = await AgentTestKit.RunAsync(plan, registry);

        var task = AgentTestKit.Task(result, "T-1");
        Assert.Equal(TaskRunStatus.Failed, task.Status);
        Assert.Contains("CostBudget", task.Reason, StringComparison.Ordinal);
        Assert.Contains("no price", task.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportUsage_AITask_ReportsTokensAndCostToTheContext()
    {
        var ledger = new BudgetLedger("stack", Budget.Unlimited);
        using var model = new ScriptedChatClient(_ => ScriptedChatClient.Text("hi"));
        var registry = new AgentRegistry()
            .AddAI(ai => ai.ChatClient(model).Price("scripted", "scripted-1", ScriptedPrice))
            .Use(inner => new TaskAgentBuilder(inner).UseBudget(ledger).Build());

        var result = await AgentTestKit.RunAsync(Plan.Builder().Task("T-1", t => t.Agent("ai").Description("say hello")).Build(), registry);

        Assert.Equal(TaskRunStatus.Succeeded, AgentTestKit.Task(result, "T-1").Status);
        Assert.Equal(15, ledger.Usage.Tokens);
        Assert.Equal(0.02m, ledger.Usage.Cost);
    }

    [Fact]
    public async Task Telemetry_ModelCall_RecordsTheCostEstimateOnTheEventAndTheCostInstrument()
    {
        using var dir = new TempDirectory();
        var measured = new List<(double Value, string? Provider, string? Model)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "taskexeckit.ai.cost")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string? provider = null, modelTag = null;
            foreach (var tag in tags)
            {
                provider = tag.Key == "gen_ai.provider.name" ? tag.Value as string : provider;
                modelTag = tag.Key == "gen_ai.request.model" ? tag.Value as string : modelTag;
            }

            if (provider == "scripted-cost")
            {
                lock (measured)
                {
                    measured.Add((value, provider, modelTag));
                }
            }
        });
        listener.Start();
        await using var telemetry = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = dir.Combine("runtime"), DiscoverStore = false, WriteJsonLogs = false });
        using var model = new ScriptedChatClient("scripted-cost", "m-1", _ => ScriptedChatClient.Text("hi"));
        AIAgent agent = AIAgent.Builder().Id("agent-cost").ChatClient(model).Price("scripted-cost", "m-1", ScriptedPrice).Telemetry(telemetry).Build();

        await agent.RunAsync("hello");
        await telemetry.FlushAsync();

        var call = Assert.Single(await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, "agent-cost", [TelemetryEventKind.ModelCall])));
        Assert.Equal(0.02, call.Value, 9);
        Assert.Equal("scripted-cost", call.Reason);
        lock (measured)
        {
            var (value, _, modelName) = Assert.Single(measured);
            Assert.Equal(0.02, value, 9);
            Assert.Equal("m-1", modelName);
        }
    }

    [Fact]
    public async Task Configure_PricesFromAiToml_AreUsedAndBoundTheRun()
    {
        using var dir = new TempDirectory();
        dir.File("config/ai.toml", """
            provider = "offline"

            [prices."offline/*"]
            input_per_mtok = 100000
            output_per_mtok = 100000
            """);
        AISettings settings = EngineConfig.Load(dir.Combine("config"), new EngineConfigLoadOptions { EnvironmentVariables = new Dictionary<string, string>() }).AI;
        AIAgent agent = AIAgent.Builder().Configure(settings).Budget(new AgentBudget(MaxCost: 0.0001m)).Build();

        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal(new ModelPrice(100000m, 100000m), agent.Prices.Find("offline", "offline"));
        Assert.Equal(AgentStopReason.CostBudget, response.StopReason);
        Assert.True(response.Usage.CostEstimate > 0.0001m);
    }
}

public sealed class AgentBudgetMiddlewareCostTests
{
    [Fact]
    public async Task UseBudget_OnTheAIAgent_ChargesTheCostAndStopsWithCostBudget()
    {
        var ledger = new BudgetLedger("ai-cost", new Budget(MaxCost: 0.03m));
        using var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("done"));
        AIAgent agent = AIAgent.Builder().ChatClient(client).Model("scripted-1").Price("scripted", "scripted-1", new ModelPrice(1000m, 2000m))
            .UseBudget(ledger).Build();

        var first = await agent.RunAsync("one");
        var second = await agent.RunAsync("two");
        var third = await agent.RunAsync("three");

        // 0.02 a call: after the second run 0.04 >= 0.03, so the third run is refused before its model call.
        Assert.True(first.IsCompleted);
        Assert.True(second.IsCompleted);
        Assert.Equal(AgentStopReason.CostBudget, third.StopReason);
        Assert.Contains("cost budget of 'ai-cost' is spent", third.StopDetail, StringComparison.Ordinal);
        Assert.Equal(0.04m, ledger.Usage.Cost);
        Assert.Equal(2, client.Requests.Count);
    }

    [Fact]
    public async Task UseBudget_CostLimitAndAnUnpricedModel_StopsRatherThanCountNothing()
    {
        var ledger = new BudgetLedger("ai-cost", new Budget(MaxCost: 1m));
        using var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("done"));
        AIAgent agent = AIAgent.Builder().ChatClient(client).UseBudget(ledger).Build();

        var response = await agent.RunAsync("one");

        Assert.Equal(AgentStopReason.CostBudget, response.StopReason);
        Assert.Contains("no price", response.StopDetail, StringComparison.Ordinal);
    }
}
