using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Effects;
using TaskExecKit.Tests.AI;

namespace TaskExecKit.Tests.AICosts;

/// <summary>
/// For random prices, token counts per call and cost budgets: a run that keeps asking for tools stops
/// with <see cref="AgentStopReason.CostBudget"/> as soon as its estimated cost goes over the budget —
/// over it by at most one call, and never before — and its estimate is the sum of the calls' costs.
/// </summary>
public sealed class CostBudgetPropertyTests
{
    /// <summary>The budget is <see cref="BudgetInCallThousandths"/> thousandths of one call's cost: from a sliver of a call to 30 calls.</summary>
    public sealed record PricedRun(int InputPrice, int OutputPrice, int Input, int Output, int BudgetInCallThousandths);

    private static Gen<PricedRun> Cases =>
        from inputPrice in Gen.Choose(1, 50_000)
        from outputPrice in Gen.Choose(0, 50_000)
        from input in Gen.Choose(1, 5_000)
        from output in Gen.Choose(0, 2_000)
        from budget in Gen.Choose(1, 30_000)
        select new PricedRun(inputPrice, outputPrice, input, output, budget);

    [Property(MaxTest = 60)]
    public Property CostBudget_StopsOverTheBudgetByAtMostOneCall()
        => Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var price = new ModelPrice(c.InputPrice, c.OutputPrice);
            decimal perCall = price.CostOf(c.Input, c.Output);
            decimal budget = perCall * c.BudgetInCallThousandths / 1_000m;
            int call = 0;
            using var model = new ScriptedChatClient(_ => ScriptedChatClient.Call("c" + ++call, "ping", [])) { UsagePerCall = (c.Input, c.Output) };
            AIAgent agent = AIAgent.Builder().ChatClient(model).Model("scripted-1").Price("scripted", "scripted-1", price)
                .Tools(AIFunctionFactory.Create(() => "pong", "ping")).Grant(Capability.Tool("ping"))
                .MaxIterations(1_000).Budget(new AgentBudget(MaxCost: budget)).Build();

            AgentResponse response = agent.RunAsync("ping").GetAwaiter().GetResult();

            decimal spent = response.Usage.CostEstimate!.Value;
            bool ok = response.StopReason == AgentStopReason.CostBudget
                && spent == perCall * response.ModelCalls
                && spent > budget
                && spent - perCall <= budget;
            return ok.Label($"stop {response.StopReason}, calls {response.ModelCalls}, per call {perCall}, spent {spent}, budget {budget}");
        });
}
