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
                    string hint = suggestions-- > 0 ? Suggest(dep, first.Keys) : string.Empty;
                    diagnostics.Add(new(PlanDiagnosticCodes.UnknownDependency, $"task {task.Id} needs {dep}, which the plan does not have{hint}", task.LocationOf("needs"), task.Id));
                }
            }

            CheckAgent(task, options, diagnostics);
        }

        var graph = TaskGraph.Build(plan);
        foreach (var cycle in graph.Cycles())
        {
            diagnostics.Add(CycleDiagnostic(graph, cycle));
        }

        diagnostics.Sort(static (a, b) =>
        {
            int byLine = (a.Location?.Line ?? int.MaxValue).CompareTo(b.Location?.Line ?? int.MaxValue);
            return byLine != 0 ? byLine : (a.Location?.Column ?? 0).CompareTo(b.Location?.Column ?? 0);
        });
        return new PlanValidation(diagnostics);
    }

    internal static PlanDiagnostic CycleDiagnostic(TaskGraph graph, List<int> cycle)
    {
        // The graph's edges point from a dependency to its dependent; print the path as "A → B"
        // meaning A needs B, so the cycle reads in the order a person follows the needs.
        // Start at the cycle's first task in file order, so "A needs B, B needs C, C needs A"
        // reads A → B → C → A and points at A's needs (not at whichever task the walk ended on).
        var nodes = Enumerable.Reverse(cycle).ToList();
        int start = nodes.IndexOf(nodes.Min());
        nodes = [.. nodes.Skip(start), .. nodes.Take(start)];
        var ids = nodes.Select(n => graph.Tasks[n].Id).ToList();
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
        if (task.Agent is null)
        {
            return;
        }

        if (options.CheckAgents && !options.Agents.Contains(task.Agent))
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

    private static string Suggest(string missing, IEnumerable<string> ids)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (string id in ids)
        {
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
