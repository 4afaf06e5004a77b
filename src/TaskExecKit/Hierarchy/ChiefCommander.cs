using TaskExecKit.Agents;

namespace TaskExecKit.Hierarchy;

/// <summary>
/// A commander under the <see cref="Cecca"/>: owns a microagent stack (the agents that run its
/// tasks), a share of the CECCA's budget, the queues and layers it takes, and the commanders it may
/// hand failed tasks to. Built by <see cref="CeccaBuilder.Commander"/>; immutable.
/// </summary>
public sealed class ChiefCommander
{
    internal ChiefCommander(string name, IReadOnlyList<string> queues, IReadOnlyList<string> layers, double weight, Budget? explicitBudget, AgentRegistry stack, IReadOnlyList<string> delegatesTo)
    {
        Name = name;
        Queues = queues;
        Layers = layers;
        Weight = weight;
        ExplicitBudget = explicitBudget;
        Stack = stack;
        DelegatesTo = delegatesTo;
        Budget = explicitBudget ?? Budget.Unlimited;
    }

    /// <summary>Gets the commander's name.</summary>
    public string Name { get; }

    /// <summary>Gets the plan queues (headings) whose tasks it takes.</summary>
    public IReadOnlyList<string> Queues { get; }

    /// <summary>Gets the layers whose tasks it takes.</summary>
    public IReadOnlyList<string> Layers { get; }

    /// <summary>Gets its weight when the CECCA's budget is split among commanders without an explicit share.</summary>
    public double Weight { get; }

    /// <summary>Gets its share of the CECCA's budget (the explicit one, or its weighted part of what the explicit ones left).</summary>
    public Budget Budget { get; internal set; }

    /// <summary>Gets the names of the agents in its stack.</summary>
    public IReadOnlyCollection<string> AgentNames => Stack.Names;

    /// <summary>Gets the commanders it hands failed tasks to first, in order.</summary>
    public IReadOnlyList<string> DelegatesTo { get; }

    internal Budget? ExplicitBudget { get; }

    internal AgentRegistry Stack { get; }

    /// <summary>Returns the name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;
}

/// <summary>Configures one <see cref="ChiefCommander"/>: what it takes, its stack, its budget share, whom it delegates to.</summary>
public sealed class ChiefCommanderBuilder
{
    private readonly List<string> _queues = [];
    private readonly List<string> _layers = [];
    private readonly List<string> _delegatesTo = [];
    private readonly AgentRegistry _stack = new();
    private double _weight = 1;
    private Budget? _budget;

    internal ChiefCommanderBuilder(string name) => Name = name;

    internal string Name { get; }

    /// <summary>Takes the tasks of these plan queues (the headings tasks are under).</summary>
    /// <param name="queues">Queue names.</param>
    /// <returns>This builder.</returns>
    public ChiefCommanderBuilder Queues(params string[] queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        _queues.AddRange(queues);
        return this;
    }

    /// <summary>Takes the tasks of these layers.</summary>
    /// <param name="layers">Layer names.</param>
    /// <returns>This builder.</returns>
    public ChiefCommanderBuilder Layers(params string[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers.AddRange(layers);
        return this;
    }

    /// <summary>Sets its weight in the split of the CECCA's budget (1 by default).</summary>
    /// <param name="weight">A positive weight.</param>
    /// <returns>This builder.</returns>
    public ChiefCommanderBuilder Weight(double weight)
    {
        _weight = weight;
        return this;
    }

    /// <summary>Gives it an explicit share of the CECCA's budget instead of a weighted one; it must fit in what the CECCA has.</summary>
    /// <param name="share">The share.</param>
    /// <returns>This builder.</returns>
    public ChiefCommanderBuilder Budget(Budget share)
    {
        ArgumentNullException.ThrowIfNull(share);
        _budget = share;
        return this;
    }

    /// <summary>Adds an agent to its stack.</summary>
    /// <param name="name">The name plan tasks use in <c>agent:</c>.</param>
    /// <param name="factory">Makes the agent, once per run.</param>
    /// <param name="runsCommands">True when the agent runs a task's <c>run</c> command.</param>
    /// <returns>This builder.</returns>
    public ChiefCommanderBuilder Agent(string name, Func<ITaskAgent> factory, bool runsCommands = false)
    {
        _stack.Add(name, factory, runsCommands);
        return this;
    }

    /// <summary>Adds agents registered in a catalog (code, DI or <c>agents/*.toml</c>) to its stack, pools included.</summary>
    /// <param name="catalog">The registry to take them from.</param>
    /// <param name="names">The names; all of the catalog's when none are given.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">A name is not in the catalog; the message lists the registered ones.</exception>
    public ChiefCommanderBuilder Agents(AgentRegistry catalog, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names.Length == 0 ? [.. catalog.Names] : names)
        {
            catalog.CopyTo(_stack, name);
        }

        return this;
    }

    /// <summary>Wraps every agent of its stack in middleware (first added is outermost); the commander's budget is enforced inside it.</summary>
    /// <param name="middleware">Wraps an agent.</param>
    /// <returns>This builder.</returns>
    public ChiefCommanderBuilder Use(Func<ITaskAgent, ITaskAgent> middleware)
    {
        _stack.Use(middleware);
        return this;
    }

    /// <summary>Names the commanders it hands a failed task to first (the CECCA then tries the others).</summary>
    /// <param name="commanders">Commander names.</param>
    /// <returns>This builder.</returns>
    public ChiefCommanderBuilder DelegatesTo(params string[] commanders)
    {
        ArgumentNullException.ThrowIfNull(commanders);
        _delegatesTo.AddRange(commanders);
        return this;
    }

    internal ChiefCommander Build()
    {
        if (!(_weight > 0) || double.IsInfinity(_weight))
        {
            throw new ArgumentException($"Commander '{Name}': Weight must be positive and finite, not {_weight}.");
        }

        if (_stack.Names.Count == 0)
        {
            throw new ArgumentException($"Commander '{Name}' has no agents: add some with Agent(...) or Agents(...).");
        }

        return new ChiefCommander(Name, [.. _queues], [.. _layers], _weight, _budget, _stack, [.. _delegatesTo]);
    }
}
