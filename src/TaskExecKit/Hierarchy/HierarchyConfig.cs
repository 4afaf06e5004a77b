using System.Globalization;
using TaskExecKit.Agents;
using TaskExecKit.Configuration;

namespace TaskExecKit.Hierarchy;

/// <summary>Reads <c>hierarchy.toml</c> into a <see cref="CeccaBuilder"/>; every problem is reported at once with its file, line and key.</summary>
internal static class HierarchyConfig
{
    private static readonly string[] RootKeys = ["name", "split", "max_delegation_depth", "on_failure", "budget", "commanders"];
    private static readonly string[] CommanderKeys = ["name", "queues", "layers", "agents", "weight", "delegates_to", "budget"];
    private static readonly string[] BudgetKeys = ["max_tokens", "max_cost", "max_wall_time", "max_tasks", "max_concurrency"];

    internal static void Apply(CeccaBuilder builder, string text, string file, AgentRegistry catalog)
    {
        var problems = new ProblemList();
        var root = TomlTreeReader.Read(text, file, problems);
        if (root is null)
        {
            problems.ThrowIfAny();
            return;
        }

        var commanders = new List<(string Name, Action<ChiefCommanderBuilder> Configure)>();
        foreach (var (key, node) in root.Children!)
        {
            switch (key)
            {
                case "name":
                    if (String(node, key, problems) is { } name)
                    {
                        builder.Name(name);
                    }

                    break;
                case "split":
                    switch (String(node, key, problems))
                    {
                        case "auto": builder.SplitBy(CeccaSplit.Auto); break;
                        case "queue": builder.SplitBy(CeccaSplit.Queue); break;
                        case "layer": builder.SplitBy(CeccaSplit.Layer); break;
                        case { } other: problems.Add(node.Location, key, $"split is '{other}'; use auto, queue or layer"); break;
                        default: break;
                    }

                    break;
                case "max_delegation_depth":
                    if (Integer(node, key, 1, CeccaBuilder.MaxDelegationDepthLimit, problems) is { } depth)
                    {
                        builder.MaxDelegationDepth((int)depth);
                    }

                    break;
                case "on_failure":
                    switch (String(node, key, problems))
                    {
                        case "retry_elsewhere": builder.OnFailure(static _ => FailureAction.RetryElsewhere); break;
                        case "escalate": builder.OnFailure(static _ => FailureAction.Escalate); break;
                        case { } other: problems.Add(node.Location, key, $"on_failure is '{other}'; use retry_elsewhere or escalate (replan needs a re-planner from code)"); break;
                        default: break;
                    }

                    break;
                case "budget":
                    if (ReadBudget(node, "budget", problems) is { } budget)
                    {
                        builder.Budget(budget);
                    }

                    break;
                case "commanders":
                    if (node.Items is null || !node.IsTableArray)
                    {
                        problems.Add(node.Location, key, "commanders must be an array of tables: [[commanders]]");
                        break;
                    }

                    foreach (var item in node.Items)
                    {
                        if (ReadCommander(item, catalog, problems) is { } commander)
                        {
                            commanders.Add(commander);
                        }
                    }

                    break;
                default:
                    problems.Add(node.Location, key, $"unknown key '{key}'; known keys: {string.Join(", ", RootKeys)}");
                    break;
            }
        }

        if (commanders.Count == 0 && problems.Count == 0)
        {
            problems.AddFile(file, "no commanders: add at least one [[commanders]] table");
        }

        problems.ThrowIfAny();
        foreach (var (name, configure) in commanders)
        {
            builder.Commander(name, configure);
        }
    }

    private static (string, Action<ChiefCommanderBuilder>)? ReadCommander(ConfigNode table, AgentRegistry catalog, ProblemList problems)
    {
        string? name = null;
        string[] queues = [], layers = [], agents = [], delegates = [];
        double weight = 1;
        Budget? budget = null;
        foreach (var (key, node) in table.Children!)
        {
            string path = "commanders." + key;
            switch (key)
            {
                case "name": name = String(node, path, problems); break;
                case "queues": queues = Strings(node, path, problems); break;
                case "layers": layers = Strings(node, path, problems); break;
                case "agents": agents = Strings(node, path, problems); break;
                case "delegates_to": delegates = Strings(node, path, problems); break;
                case "weight":
                    if (node.Scalar is double or long && Convert.ToDouble(node.Scalar, CultureInfo.InvariantCulture) is var w and > 0)
                    {
                        weight = w;
                    }
                    else
                    {
                        problems.Add(node.Location, path, "weight must be a positive number");
                    }

                    break;
                case "budget": budget = ReadBudget(node, path, problems); break;
                default: problems.Add(node.Location, path, $"unknown key '{key}'; known keys: {string.Join(", ", CommanderKeys)}"); break;
            }
        }

        if (name is null)
        {
            problems.Add(table.Location, "commanders", "a commander has no name");
            return null;
        }

        if (agents.Length == 0)
        {
            problems.Add(table.Location, "commanders.agents", $"commander '{name}' lists no agents; registered agents: {string.Join(", ", catalog.Names.Order(StringComparer.Ordinal))}");
            return null;
        }

        foreach (var agent in agents.Where(a => !catalog.Contains(a)))
        {
            problems.Add(table.Children!["agents"].Location, "commanders.agents", $"commander '{name}' names agent '{agent}', which is not registered; registered agents: {string.Join(", ", catalog.Names.Order(StringComparer.Ordinal))}");
        }

        return (name, c =>
        {
            c.Queues(queues).Layers(layers).Weight(weight).DelegatesTo(delegates).Agents(catalog, agents);
            if (budget is not null)
            {
                c.Budget(budget);
            }
        });
    }

    private static Budget? ReadBudget(ConfigNode table, string path, ProblemList problems)
    {
        if (table.Children is null)
        {
            problems.Add(table.Location, path, $"{path} must be a table");
            return null;
        }

        var budget = Budget.Unlimited;
        foreach (var (key, node) in table.Children)
        {
            string at = path + "." + key;
            switch (key)
            {
                case "max_tokens": budget = budget with { MaxTokens = Integer(node, at, 0, long.MaxValue, problems) }; break;
                case "max_tasks": budget = budget with { MaxTasks = (int?)Integer(node, at, 0, int.MaxValue, problems) }; break;
                case "max_concurrency": budget = budget with { MaxConcurrency = (int?)Integer(node, at, 1, 1024, problems) }; break;
                case "max_cost":
                    if (node.Scalar is double or long && Convert.ToDecimal(node.Scalar, CultureInfo.InvariantCulture) is var cost and >= 0)
                    {
                        budget = budget with { MaxCost = cost };
                    }
                    else
                    {
                        problems.Add(node.Location, at, "max_cost must be a number, zero or more");
                    }

                    break;
                case "max_wall_time":
                    if (String(node, at, problems) is { } text)
                    {
                        if (Duration.TryParse(text, out var wall))
                        {
                            budget = budget with { MaxWallTime = wall };
                        }
                        else
                        {
                            problems.Add(node.Location, at, $"'{text}' is not a duration; write a number and a unit, such as 30s, 10m or 1h");
                        }
                    }

                    break;
                default:
                    problems.Add(node.Location, at, $"unknown key '{key}'; known keys: {string.Join(", ", BudgetKeys)}");
                    break;
            }
        }

        return budget;
    }

    private static string? String(ConfigNode node, string key, ProblemList problems)
    {
        if (node.Scalar is string s && s.Length > 0)
        {
            return s;
        }

        problems.Add(node.Location, key, $"{key} must be a non-empty string");
        return null;
    }

    private static string[] Strings(ConfigNode node, string key, ProblemList problems)
    {
        if (node.Items is { } items && items.All(i => i.Scalar is string))
        {
            return [.. items.Select(i => (string)i.Scalar!)];
        }

        problems.Add(node.Location, key, $"{key} must be a list of strings, such as [\"a\", \"b\"]");
        return [];
    }

    private static long? Integer(ConfigNode node, string key, long min, long max, ProblemList problems)
    {
        if (node.Scalar is long n && n >= min && n <= max)
        {
            return n;
        }

        problems.Add(node.Location, key, string.Create(CultureInfo.InvariantCulture, $"{key} must be a whole number from {min} to {max}"));
        return null;
    }
}
