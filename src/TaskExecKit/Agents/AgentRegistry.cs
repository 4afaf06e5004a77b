using TaskExecKit.Planning;

namespace TaskExecKit.Agents;

/// <summary>
/// Maps the agent names a plan uses to factories that make the agents. The executor copies the
/// registry when it is built, checks every task's agent against it before a run, and calls each
/// factory once per run for the agents the run uses.
/// </summary>
public sealed class AgentRegistry
{
    private readonly Dictionary<string, (Func<ITaskAgent> Factory, bool RunsCommands)> _agents;

    /// <summary>Creates an empty registry; see <see cref="CreateDefault"/> for one with the built-in agents.</summary>
    public AgentRegistry()
        => _agents = new(StringComparer.Ordinal);

    private AgentRegistry(Dictionary<string, (Func<ITaskAgent> Factory, bool RunsCommands)> agents)
        => _agents = new(agents, StringComparer.Ordinal);

    /// <summary>Gets the registered agent names.</summary>
    public IReadOnlyCollection<string> Names => _agents.Keys;

    /// <summary>Creates a registry with the built-in agents: <c>noop</c> and <c>shell</c> (which runs commands).</summary>
    /// <param name="shellOptions">Options for the shell agent; defaults when null.</param>
    /// <returns>The registry.</returns>
    public static AgentRegistry CreateDefault(ShellAgentOptions? shellOptions = null)
    {
        var shell = new ShellAgent(shellOptions);
        var noop = new NoOpAgent();
        return new AgentRegistry()
            .Add("noop", () => noop)
            .Add("shell", () => shell, runsCommands: true);
    }

    /// <summary>Registers an agent under a name.</summary>
    /// <param name="name">The name plans use in <c>agent:</c>.</param>
    /// <param name="factory">Makes the agent; called once per run that uses it.</param>
    /// <param name="runsCommands">True when the agent runs a task's <c>run</c> command (like <c>shell</c>).</param>
    /// <returns>This registry.</returns>
    /// <exception cref="ArgumentException">The name is empty or already registered.</exception>
    public AgentRegistry Add(string name, Func<ITaskAgent> factory, bool runsCommands = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!_agents.TryAdd(name, (factory, runsCommands)))
        {
            throw new ArgumentException($"An agent named '{name}' is already registered.", nameof(name));
        }

        return this;
    }

    /// <summary>Tells whether an agent is registered under a name.</summary>
    /// <param name="name">The agent's name.</param>
    /// <returns>True when registered.</returns>
    public bool Contains(string name) => _agents.ContainsKey(name);

    /// <summary>Tells whether the named agent runs commands.</summary>
    /// <param name="name">The agent's name.</param>
    /// <returns>True when it is registered and runs commands.</returns>
    public bool RunsCommands(string name) => _agents.TryGetValue(name, out var entry) && entry.RunsCommands;

    /// <summary>Creates validation options that accept exactly the registered agents.</summary>
    /// <returns>Options for <see cref="Plan.Validate"/>.</returns>
    public PlanValidationOptions CreateValidationOptions()
    {
        var options = new PlanValidationOptions();
        options.Agents.Clear();
        options.CommandAgents.Clear();
        foreach (var (name, entry) in _agents)
        {
            options.Agents.Add(name);
            if (entry.RunsCommands)
            {
                options.CommandAgents.Add(name);
            }
        }

        return options;
    }

    internal AgentRegistry Snapshot() => new(_agents);

    internal ITaskAgent Create(string name)
        => _agents[name].Factory() ?? throw new InvalidOperationException($"The factory registered for agent '{name}' returned null.");
}
