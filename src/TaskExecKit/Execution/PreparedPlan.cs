using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Planning;

namespace TaskExecKit.Execution;

/// <summary>
/// What an executor works out about a plan before running it, once per plan (plans are
/// immutable, and so are the executor's settings): the plan is valid, its graph, each task's
/// agent and commands, and the grants its hooks bring.
/// </summary>
internal sealed class PreparedPlan
{
    private PreparedPlan(TaskGraph graph, string[] agentNames, IReadOnlyList<AgentCommand>[] commands, Capability[][] extraGrants)
    {
        Graph = graph;
        AgentNames = agentNames;
        AgentSlots = new int[agentNames.Length];
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < agentNames.Length; i++)
        {
            if (!slots.TryGetValue(agentNames[i], out int slot))
            {
                slots[agentNames[i]] = slot = slots.Count;
            }

            AgentSlots[i] = slot;
        }

        DistinctAgents = new string[slots.Count];
        foreach (var (name, slot) in slots)
        {
            DistinctAgents[slot] = name;
        }

        Commands = commands;
        ExtraGrants = extraGrants;
    }

    internal TaskGraph Graph { get; }

    internal string[] AgentNames { get; }

    /// <summary>Gets the plan's agent names, each once, in the order tasks first name them.</summary>
    internal string[] DistinctAgents { get; }

    /// <summary>Gets each task's agent as an index into <see cref="DistinctAgents"/>.</summary>
    internal int[] AgentSlots { get; }

    internal IReadOnlyList<AgentCommand>[] Commands { get; }

    /// <summary>Gets each task's grants beyond the executor's policy: its effects and its hooks' commands.</summary>
    internal Capability[][] ExtraGrants { get; }

    /// <summary>Validates and prepares a plan; throws <see cref="PlanValidationException"/> listing every problem.</summary>
    internal static PreparedPlan Create(Plan plan, ExecutorSettings settings)
    {
        plan.EnsureValid(settings.Agents.CreateValidationOptions());
        var graph = TaskGraph.Build(plan);
        int taskCount = graph.TaskCount;
        var agentNames = new string[taskCount];
        var commands = new IReadOnlyList<AgentCommand>[taskCount];
        var extraGrants = new Capability[taskCount][];
        var problems = new List<PlanDiagnostic>();
        for (int i = 0; i < taskCount; i++)
        {
            Prepare(plan, settings, graph, i, agentNames, commands, extraGrants, problems);
        }

        if (problems.Count > 0)
        {
            throw new PlanValidationException(plan.DisplayName, problems);
        }

        return new PreparedPlan(graph, agentNames, commands, extraGrants);
    }

    /// <summary>Decides the task's agent and commands, and the grants its hooks bring.</summary>
    private static void Prepare(Plan plan, ExecutorSettings settings, TaskGraph graph, int index, string[] agentNames, IReadOnlyList<AgentCommand>[] allCommands, Capability[][] extraGrants, List<PlanDiagnostic> problems)
    {
        var task = graph.Tasks[index];
        IReadOnlyList<AgentCommand> commands = [];
        var grants = new List<Capability>(task.Effects);
        if (task.Run is { } run)
        {
            commands = [new AgentCommand(run)];
        }
        else if (settings.Config.Hooks.TryGetValue(task.Id, out var hooked) || settings.Config.Hooks.TryGetValue(task.Queue, out hooked))
        {
            commands = hooked;

            // hooks.json is the operator's configuration: the commands it names are granted to the task it names them for.
            string? path = Environment.GetEnvironmentVariable("PATH");
            foreach (var command in hooked)
            {
                string directory = Path.GetFullPath(command.WorkingDirectory ?? ".", settings.WorkingDirectory);
                grants.Add(Capability.FileRead(directory));
                if (ExecutableResolver.Resolve(command.Argv[0], directory, path) is { } program)
                {
                    grants.Add(Capability.Process(program));
                }
            }
        }

        string? agent = task.Agent;
        if (agent is null && task.Run is null && plan.Version < 2
            && settings.Config.LayerAgents.TryGetValue(task.Layer, out string? layerAgent) && settings.Agents.Contains(layerAgent))
        {
            agent = layerAgent;
        }

        agent ??= commands.Count > 0 ? "shell" : "noop";
        if (!settings.Agents.Contains(agent))
        {
            problems.Add(new PlanDiagnostic(PlanDiagnosticCodes.UnknownAgent, $"task {task.Id} needs agent '{agent}' by default, which is not registered; register it or name an agent for the task", task.Location, task.Id));
        }
        else if (commands.Count > 0 && !settings.Agents.RunsCommands(agent))
        {
            problems.Add(new PlanDiagnostic(PlanDiagnosticCodes.RunOnNonCommandAgent, $"task {task.Id} has commands in hooks.json but runs on agent '{agent}', which cannot run commands", task.Location, task.Id));
        }

        agentNames[index] = agent;
        allCommands[index] = commands;
        extraGrants[index] = [.. grants];
    }
}
