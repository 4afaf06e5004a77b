using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Agents;

namespace TaskExecKit.Tests.Hierarchy;

/// <summary>
/// For random budget trees (split by random weights, a few levels deep) and random workloads of
/// model calls and task starts at random nodes: the children's limits never add up to more than
/// their parent's, a node never spends more than its limit plus one model call, never starts more
/// tasks than its limit, and a parent's spending is at least its children's together.
/// </summary>
public sealed class BudgetPropertyTests
{
    public sealed record Workload(long Tokens, int Tasks, int Seed, int Depth, int Calls, int MaxCall);

    private static Gen<Workload> WorkloadGen =>
        from tokens in Gen.Choose(0, 5_000)
        from tasks in Gen.Choose(0, 200)
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from depth in Gen.Choose(1, 4)
        from calls in Gen.Choose(0, 400)
        from maxCall in Gen.Choose(1, 300)
        select new Workload(tokens, tasks, seed, depth, calls, maxCall);

    [Property(MaxTest = 200)]
    public Property SharesAddUp_AndNoNodeOvershootsByMoreThanOneCall()
        => Prop.ForAll(WorkloadGen.ToArbitrary(), w =>
        {
            var random = new Random(w.Seed);
            var root = new BudgetLedger("root", new Budget(MaxTokens: w.Tokens, MaxTasks: w.Tasks));
            var nodes = new List<BudgetLedger> { root };
            var children = new Dictionary<BudgetLedger, List<BudgetLedger>>();
            Grow(root, w.Depth, random, nodes, children);

            for (int i = 0; i < w.Calls; i++)
            {
                var node = nodes[random.Next(nodes.Count)];
                if (random.Next(4) == 0)
                {
                    _ = node.TryStartTask(out _);
                }
                else if (node.CanSpend(out _))
                {
                    // A model call is admitted only while the budget is not spent; its size is known only afterwards.
                    node.Charge(random.Next(1, w.MaxCall + 1));
                }
            }

            foreach (var node in nodes)
            {
                var b = node.Budget;
                var used = node.Usage;
                if (b.MaxTokens is { } limit && used.Tokens >= limit + w.MaxCall)
                {
                    return false.Label($"{node.Name} spent {used.Tokens} tokens, limit {limit}, largest call {w.MaxCall}");
                }

                if (b.MaxTasks is { } tasks && used.Tasks > tasks)
                {
                    return false.Label($"{node.Name} started {used.Tasks} tasks, limit {tasks}");
                }

                if (children.TryGetValue(node, out var kids))
                {
                    if (b.MaxTokens is { } t && kids.Sum(k => k.Budget.MaxTokens ?? 0) > t)
                    {
                        return false.Label($"{node.Name}'s children are given more tokens than it has");
                    }

                    if (b.MaxTasks is { } n && kids.Sum(k => k.Budget.MaxTasks ?? 0) > n)
                    {
                        return false.Label($"{node.Name}'s children are given more tasks than it has");
                    }

                    if (kids.Sum(k => k.Usage.Tokens) > used.Tokens || kids.Sum(k => k.Usage.Tasks) > used.Tasks)
                    {
                        return false.Label($"{node.Name}'s children spent more than it did");
                    }
                }
            }

            return true.ToProperty();
        });

    [Property(MaxTest = 200)]
    public Property Split_NeverGivesMoreThanTheWhole()
        => Prop.ForAll(Gen.Choose(0, 1_000_000).ToArbitrary(), Gen.Choose(1, 12).ToArbitrary(), Gen.Choose(0, int.MaxValue - 1).ToArbitrary(), (whole, count, seed) =>
        {
            var random = new Random(seed);
            var weights = Enumerable.Range(0, count).Select(_ => (random.NextDouble() * 10) + 0.001).ToArray();
            var budget = new Budget(MaxTokens: whole, MaxCost: whole / 7m, MaxTasks: whole % 1000, MaxConcurrency: whole % 64);
            var shares = budget.Split(weights);
            return (shares.Sum(s => s.MaxTokens!.Value) <= whole
                && shares.Sum(s => s.MaxCost!.Value) <= whole / 7m
                && shares.Sum(s => s.MaxTasks!.Value) <= whole % 1000
                && shares.Sum(s => s.MaxConcurrency!.Value) <= whole % 64
                && shares.All(s => s.MaxTokens >= 0 && s.MaxTasks >= 0 && s.MaxCost >= 0)).ToProperty();
        });

    [Fact]
    public void CreateChild_ShareOverWhatIsLeft_Throws()
    {
        var root = new BudgetLedger("root", new Budget(MaxTokens: 100));
        root.CreateChild("a", new Budget(MaxTokens: 70));

        var ex = Assert.Throws<ArgumentException>(() => root.CreateChild("b", new Budget(MaxTokens: 40)));

        Assert.Contains("30", ex.Message, StringComparison.Ordinal);
    }

    private static void Grow(BudgetLedger parent, int depth, Random random, List<BudgetLedger> nodes, Dictionary<BudgetLedger, List<BudgetLedger>> children)
    {
        if (depth == 0)
        {
            return;
        }

        int count = random.Next(1, 4);
        var weights = Enumerable.Range(0, count).Select(_ => (random.NextDouble() * 5) + 0.1).ToArray();
        var shares = parent.Budget.Split(weights);
        var kids = new List<BudgetLedger>();
        for (int i = 0; i < count; i++)
        {
            // Some children take a share, some set no own limit (bounded by the parent).
            var share = random.Next(5) == 0 ? Budget.Unlimited : shares[i];
            var child = parent.CreateChild($"{parent.Name}.{i}", share);
            kids.Add(child);
            nodes.Add(child);
            Grow(child, depth - 1, random, nodes, children);
        }

        children[parent] = kids;
    }
}
