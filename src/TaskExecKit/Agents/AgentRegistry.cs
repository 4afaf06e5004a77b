using System.Text.Json;
using Microsoft.Extensions.AI;
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
    private readonly Dictionary<string, AgentPool> _pools;
    private readonly List<Func<ITaskAgent, ITaskAgent>> _middleware;
    private readonly Dictionary<string, IReadOnlyDictionary<string, JsonElement>> _tools;

    /// <summary>Creates an empty registry; see <see cref="CreateDefault"/> for one with the built-in agents.</summary>
    public AgentRegistry()
    {
        _agents = new(StringComparer.Ordinal);
        _pools = new(StringComparer.Ordinal);
        _middleware = [];
        _tools = new(StringComparer.Ordinal);
    }

    private AgentRegistry(AgentRegistry other)
    {
        _agents = new(other._agents, StringComparer.Ordinal);
        _pools = new(other._pools, StringComparer.Ordinal);
        _middleware = [.. other._middleware];
        _tools = new(other._tools, StringComparer.Ordinal);
    }

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

    /// <summary>
    /// Registers a poolable agent kind: instances are made by <paramref name="factory"/> when needed,
    /// at most <paramref name="maxSize"/> at once, and reused; between uses each is reset and
    /// health-checked (<see cref="IPoolableAgent"/>; other agents are reused as they are). In a run,
    /// every attempt of a task rents an instance and gives it back.
    /// </summary>
    /// <param name="name">The name plans use in <c>agent:</c>.</param>
    /// <param name="factory">Makes a new instance.</param>
    /// <param name="maxSize">The most instances of this kind at once, 1 to 1024; a renter waits when all are in use.</param>
    /// <param name="runsCommands">True when the agent runs a task's <c>run</c> command.</param>
    /// <returns>This registry.</returns>
    /// <exception cref="ArgumentException">The name is empty or already registered, or the size is out of range.</exception>
    public AgentRegistry AddPooled(string name, Func<ITaskAgent> factory, int maxSize, bool runsCommands = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (maxSize is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSize), maxSize, "maxSize must be between 1 and 1024.");
        }

        var pool = new AgentPool(name, factory, maxSize);
        Add(name, () => new PooledAgent(pool), runsCommands);
        _pools.Add(name, pool);
        return this;
    }

    /// <summary>
    /// Registers a tool agent (<see cref="ToolAgent.ForPlan"/>) that runs, for each task, the tool the task names in
    /// <c>tool:</c> (optional when there is one tool) with the task's <c>args:</c>. Plan validation then checks each
    /// task on this agent: the tool must be one of these (<c>TEK011</c>, listing them) and the arguments must match
    /// its JSON schema (<c>TEK012</c>, naming the argument), so a bad call fails before anything runs. Every call is
    /// still checked against the task's effect policy as <c>tool:&lt;name&gt;</c> (grant it with <c>effects:</c>).
    /// </summary>
    /// <param name="name">The name plans use in <c>agent:</c>, e.g. <c>tools</c>.</param>
    /// <param name="tools">The tools, with distinct names (e.g. from <see cref="AIFunctionFactory"/>).</param>
    /// <returns>This registry.</returns>
    /// <exception cref="ArgumentException">The name is empty or already registered, there are no tools, or two share a name.</exception>
    public AgentRegistry AddTools(string name, params AIFunction[] tools)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var agent = ToolAgent.ForPlan(tools);
        Add(name, () => agent);
        _tools[name] = agent.PlanTools;
        return this;
    }

    /// <summary>
    /// Wraps every agent this registry makes (for runs and <see cref="SpawnAsync"/>) in middleware; the
    /// first added is the outermost. See <see cref="TaskAgentBuilder"/> for the ready pieces.
    /// </summary>
    /// <param name="middleware">Wraps an agent.</param>
    /// <returns>This registry.</returns>
    public AgentRegistry Use(Func<ITaskAgent, ITaskAgent> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    /// <summary>
    /// Spawns an agent for one use: a pooled kind comes from its pool (or waits for a free instance),
    /// another kind from its factory. Dispose the lease when done.
    /// </summary>
    /// <param name="name">The registered name.</param>
    /// <param name="cancellationToken">Stops waiting for a pooled instance.</param>
    /// <returns>The lease holding the agent.</returns>
    /// <exception cref="ArgumentException">No agent has that name; the message lists the registered ones.</exception>
    public async ValueTask<AgentLease> SpawnAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_pools.TryGetValue(name, out var pool))
        {
            var pooled = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
            return new AgentLease(name, pooled, pool);
        }

        if (!_agents.ContainsKey(name))
        {
            throw new ArgumentException($"No agent named '{name}' is registered; registered agents: {string.Join(", ", _agents.Keys.Order(StringComparer.Ordinal))}.", nameof(name));
        }

        return new AgentLease(name, Create(name), null);
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

        foreach (var (name, tools) in _tools)
        {
            options.Tools[name] = tools;
        }

        return options;
    }

    internal AgentRegistry Snapshot() => new(this);

    /// <summary>Copies one registration (and its pool) into another registry, under the same name.</summary>
    internal void CopyTo(AgentRegistry target, string name)
    {
        if (!_agents.TryGetValue(name, out var entry))
        {
            throw new ArgumentException($"No agent named '{name}' is registered; registered agents: {string.Join(", ", _agents.Keys.Order(StringComparer.Ordinal))}.", nameof(name));
        }

        var registered = entry.Factory;
        // The source's middleware goes with it: the target's own is added around it.
        target.Add(name, _middleware.Count == 0 ? registered : () => Create(name), entry.RunsCommands);
        if (_pools.TryGetValue(name, out var pool))
        {
            target._pools.Add(name, pool);
        }

        if (_tools.TryGetValue(name, out var tools))
        {
            target._tools[name] = tools;
        }
    }

    /// <summary>Gets the tools (name → argument schema) of a tool agent registered with <see cref="AddTools"/>, or null.</summary>
    internal IReadOnlyDictionary<string, JsonElement>? ToolsOf(string name) => _tools.GetValueOrDefault(name);

    /// <summary>Declares the tools a registered agent runs from the plan (an agent that stands for a tool agent, e.g. the hierarchy's router).</summary>
    internal void SetTools(string name, IReadOnlyDictionary<string, JsonElement> tools) => _tools[name] = tools;

    internal ITaskAgent Create(string name)
    {
        var agent = _agents[name].Factory() ?? throw new InvalidOperationException($"The factory registered for agent '{name}' returned null.");
        for (int i = _middleware.Count - 1; i >= 0; i--)
        {
            agent = _middleware[i](agent) ?? throw new InvalidOperationException($"Middleware {i + 1} of the agent registry returned null.");
        }

        return agent;
    }
}
