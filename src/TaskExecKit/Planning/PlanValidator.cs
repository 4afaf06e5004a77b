using System.Text.Json;

namespace TaskExecKit.Planning;

/// <summary>Finds every problem of a plan at once: what reading found, then ids, dependencies, cycles and agents.</summary>
internal static class PlanValidator
{
    // "Did you mean" costs a scan of every id; offer it for the first few unknown ids only.
    private const int MaxSuggestions = 20;

    internal static PlanValidation Validate(Plan plan, PlanValidationOptions options)
    {
        var diagnostics = new List<PlanDiagnostic>(plan.ReadDiagnostics);
        var first = new Dictionary<string, PlanTask>(plan.Tasks.Count, StringComparer.Ordinal);
        foreach (var task in plan.Tasks)
        {
            if (!first.TryAdd(task.Id, task))
            {
                var original = first[task.Id];
                string where = original.Location is { } at ? $" (first at line {at.Line})" : string.Empty;
                diagnostics.Add(new(PlanDiagnosticCodes.DuplicateId, $"task id {task.Id} is used more than once{where}", task.Location, task.Id));
            }
        }

        int suggestions = MaxSuggestions;
        foreach (var task in plan.Tasks)
        {
            foreach (string dep in task.Needs)
            {
                if (!first.ContainsKey(dep))
                {
                    string hint = suggestions-- > 0 ? Suggest(dep, task.Id, first.Keys) : string.Empty;
                    diagnostics.Add(new(PlanDiagnosticCodes.UnknownDependency, $"task {task.Id} needs {dep}, which the plan does not have{hint}", task.LocationOf("needs"), task.Id));
                }
            }

            CheckAgent(task, options, diagnostics);
            CheckTool(task, options, diagnostics);
        }

        var graph = TaskGraph.Build(plan);
        foreach (var cycle in graph.Cycles())
        {
            diagnostics.Add(CycleDiagnostic(graph, cycle));
        }

        // File order; problems without a place keep the order they were found in (a stable sort).
        return new PlanValidation(diagnostics
            .OrderBy(d => d.Location?.Line ?? int.MaxValue)
            .ThenBy(d => d.Location?.Column ?? 0)
            .ToList());
    }

    internal static PlanDiagnostic CycleDiagnostic(TaskGraph graph, List<int> cycle)
    {
        // The graph's edges point from a dependency to its dependent; print the path as "A → B"
        // meaning A needs B, so the cycle reads in the order a person follows the needs.
        // Start at the task written first, so the same cycle always prints the same way.
        var nodes = cycle.AsEnumerable().Reverse().ToList();
        int first = nodes.IndexOf(nodes.Min());
        nodes = [.. nodes.Skip(first), .. nodes.Take(first)];
        var ids = nodes.ConvertAll(n => graph.Tasks[n].Id);
        ids.Add(ids[0]);
        var head = graph.Tasks[nodes[0]];
        return new PlanDiagnostic(
            PlanDiagnosticCodes.Cycle,
            $"tasks depend on each other in a cycle: {string.Join(" → ", ids)} (each needs the next); remove one of these needs",
            head.LocationOf("needs"),
            head.Id);
    }

    private static void CheckAgent(PlanTask task, PlanValidationOptions options, List<PlanDiagnostic> diagnostics)
    {
        if (task.Agent is null || !options.CheckAgents)
        {
            return;
        }

        if (!options.Agents.Contains(task.Agent))
        {
            var known = options.Agents.Order(StringComparer.Ordinal);
            diagnostics.Add(new(PlanDiagnosticCodes.UnknownAgent, $"task {task.Id} names agent '{task.Agent}', which is not registered; registered agents: {string.Join(", ", known)}", task.LocationOf("agent"), task.Id));
            return;
        }

        if (task.Run is not null && !options.CommandAgents.Contains(task.Agent))
        {
            diagnostics.Add(new(PlanDiagnosticCodes.RunOnNonCommandAgent, $"task {task.Id} gives a run command to agent '{task.Agent}', which cannot run commands; use agent: shell or remove run", task.LocationOf("run"), task.Id));
        }
    }

    /// <summary>A task's tool and arguments against its agent's tools and their schemas.</summary>
    private static void CheckTool(PlanTask task, PlanValidationOptions options, List<PlanDiagnostic> diagnostics)
    {
        if (!options.CheckAgents || (task.Agent is not null && !options.Agents.Contains(task.Agent)))
        {
            return;
        }

        string where = task.Tool is not null ? "tool" : "args";
        if (task.Agent is null || !options.Tools.TryGetValue(task.Agent, out var tools))
        {
            if (task.Tool is not null || task.Arguments is not null)
            {
                string toolAgents = options.Tools.Count == 0 ? "none is registered" : "tool agents: " + string.Join(", ", options.Tools.Keys.Order(StringComparer.Ordinal));
                string agent = task.Agent is null ? "names no agent" : $"runs on agent '{task.Agent}', which runs no tools from the plan";
                diagnostics.Add(new(PlanDiagnosticCodes.UnknownTool, $"task {task.Id} gives '{where}' but {agent}; name a tool agent in agent: ({toolAgents})", task.LocationOf(where), task.Id));
            }

            return;
        }

        string known = tools.Count == 0 ? "none" : string.Join(", ", tools.Keys.Order(StringComparer.Ordinal));
        string? name = task.Tool;
        if (name is null)
        {
            if (tools.Count != 1)
            {
                diagnostics.Add(new(PlanDiagnosticCodes.UnknownTool, $"task {task.Id} runs on tool agent '{task.Agent}', which has {(tools.Count == 0 ? "no tools" : "several tools")} ({known}); name one with tool:", task.LocationOf("agent"), task.Id));
                return;
            }

            name = tools.Keys.First();
        }
        else if (!tools.ContainsKey(name))
        {
            diagnostics.Add(new(PlanDiagnosticCodes.UnknownTool, $"task {task.Id} names tool '{name}', which agent '{task.Agent}' does not have; its tools: {known}", task.LocationOf("tool"), task.Id));
            return;
        }

        JsonElement schema = tools[name];
        JsonElement arguments = task.Arguments ?? EmptyObject;
        var problems = new List<string>();
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            && !schema.TryGetProperty("additionalProperties", out _))
        {
            foreach (var argument in arguments.EnumerateObject())
            {
                if (!properties.TryGetProperty(argument.Name, out _))
                {
                    var takes = properties.EnumerateObject().Select(p => p.Name).ToList();
                    problems.Add($"$.{argument.Name}: tool '{name}' takes no such argument; it takes: {(takes.Count == 0 ? "none" : string.Join(", ", takes))}");
                }
            }
        }

        problems.AddRange(JsonSchemaCheck.Validate(schema, arguments));
        if (problems.Count > 0)
        {
            diagnostics.Add(new(PlanDiagnosticCodes.ToolArgumentsMismatch, $"task {task.Id}: the args do not match the schema of tool '{name}': {string.Join("; ", problems)}", task.LocationOf(task.Arguments is null ? "tool" : "args"), task.Id));
        }
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private static string Suggest(string missing, string self, IEnumerable<string> ids)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (string id in ids)
        {
            if (id == self)
            {
                continue;
            }

            int d = Distance(missing, id, bestDistance);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = id;
            }
        }

        return best is null ? string.Empty : $"; did you mean {best}?";
    }

    /// <summary>Levenshtein distance, giving up once it is at least <paramref name="limit"/>.</summary>
    private static int Distance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) >= limit)
        {
            return limit;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            int rowMin = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                rowMin = Math.Min(rowMin, current[j]);
            }

            if (rowMin >= limit)
            {
                return limit;
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
