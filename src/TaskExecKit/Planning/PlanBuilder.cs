using TaskExecKit.Effects;

namespace TaskExecKit.Planning;

/// <summary>
/// Builds a version 2 plan in code. <see cref="Build"/> checks the plan's shape (duplicate
/// ids, unknown dependencies, cycles) and throws with every problem; agent names are checked
/// when the plan is run or validated against the registered agents.
/// </summary>
public sealed class PlanBuilder
{
    private readonly List<PlanTaskBuilder> _tasks = [];
    private string? _source;
    private System.TimeProvider _time = System.TimeProvider.System;

    internal PlanBuilder()
    {
    }

    /// <summary>Adds a task.</summary>
    /// <param name="id">The task's id, unique in the plan.</param>
    /// <param name="configure">Sets the task's agent, command, dependencies and limits.</param>
    /// <returns>This builder.</returns>
    public PlanBuilder Task(string id, Action<PlanTaskBuilder>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var task = new PlanTaskBuilder(id);
        configure?.Invoke(task);
        _tasks.Add(task);
        return this;
    }

    /// <summary>Records where the plan came from (shown in plan.json and in messages).</summary>
    /// <param name="source">A name such as a file path.</param>
    /// <returns>This builder.</returns>
    public PlanBuilder Source(string source)
    {
        _source = source;
        return this;
    }

    /// <summary>Sets the clock that stamps the plan; the system clock by default.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    public PlanBuilder TimeProvider(System.TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
        return this;
    }

    /// <summary>Builds the plan and checks its shape.</summary>
    /// <returns>The plan.</returns>
    /// <exception cref="PlanValidationException">Ids repeat, a dependency is unknown, or tasks form a cycle.</exception>
    public Plan Build()
    {
        var queueOrder = new List<string>();
        var byQueue = new Dictionary<string, List<PlanTask>>(StringComparer.Ordinal);
        foreach (var builder in _tasks)
        {
            var task = builder.ToTask();
            if (!byQueue.TryGetValue(task.Queue, out var list))
            {
                byQueue[task.Queue] = list = [];
                queueOrder.Add(task.Queue);
            }

            list.Add(task);
        }

        var now = new PlanReadOptions { TimeProvider = _time }.Now();
        var plan = new Plan(2, _source, now, queueOrder.Select(q => new PlanQueue(q, byQueue[q], null)).ToList(), null);
        plan.EnsureValid(new PlanValidationOptions { CheckAgents = false });
        return plan;
    }
}

/// <summary>Sets one task of a plan built in code.</summary>
public sealed class PlanTaskBuilder
{
    private readonly string _id;
    private readonly List<string> _needs = [];
    private readonly List<Capability> _effects = [];
    private string? _title;
    private string _queue = SotV2Reader.DefaultQueue;
    private string? _layer;
    private string? _agent;
    private IReadOnlyList<string>? _run;
    private TimeSpan? _timeout;
    private int? _retries;
    private bool _idempotent = true;
    private string? _description;
    private bool _done;
    private string? _tool;
    private System.Text.Json.JsonElement? _arguments;

    internal PlanTaskBuilder(string id) => _id = id;

    /// <summary>Sets the title; the id by default.</summary>
    /// <param name="title">The title.</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Title(string title)
    {
        _title = title;
        return this;
    }

    /// <summary>Puts the task in a named queue; <c>Default</c> otherwise.</summary>
    /// <param name="queue">The queue's name.</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Queue(string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        _queue = queue;
        return this;
    }

    /// <summary>Sets the layer; by default it follows from the number in the id.</summary>
    /// <param name="layer">The layer.</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Layer(string layer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(layer);
        _layer = layer;
        return this;
    }

    /// <summary>Names the agent that runs the task, such as <c>noop</c> or <c>shell</c>.</summary>
    /// <param name="agent">The agent's registered name.</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Agent(string agent)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(agent);
        _agent = agent;
        return this;
    }

    /// <summary>Sets the command to run as an argument vector; it is never given to a shell.</summary>
    /// <param name="argv">The executable followed by its arguments.</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Run(params string[] argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Length == 0 || string.IsNullOrEmpty(argv[0]))
        {
            throw new ArgumentException("A command needs at least an executable.", nameof(argv));
        }

        _run = [.. argv];
        return this;
    }

    /// <summary>Adds tasks that must succeed before this one starts.</summary>
    /// <param name="ids">The ids of those tasks.</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Needs(params string[] ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        _needs.AddRange(ids);
        return this;
    }

    /// <summary>Grants the task effects.</summary>
    /// <param name="capabilities">What the task may do.</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Effects(params Capability[] capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        _effects.AddRange(capabilities);
        return this;
    }

    /// <summary>Limits how long one attempt may take.</summary>
    /// <param name="timeout">A positive whole number of milliseconds.</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Timeout(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.FromMilliseconds(1));
        _timeout = TimeSpan.FromMilliseconds(Math.Round(timeout.TotalMilliseconds));
        return this;
    }

    /// <summary>Sets how many times a failed attempt is retried.</summary>
    /// <param name="retries">From 0 to 100.</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Retries(int retries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retries);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(retries, SotV2Reader.MaxRetries);
        _retries = retries;
        return this;
    }

    /// <summary>Sets a longer description.</summary>
    /// <param name="description">The description.</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Description(string description)
    {
        _description = description;
        return this;
    }

    /// <summary>
    /// Says whether running the task twice is harmless (the default). A non-idempotent task that was in flight when
    /// a journaled run stopped is marked needs-review on resume instead of being run again.
    /// </summary>
    /// <param name="idempotent">False for a task that must not run twice (sends a mail, charges a card).</param>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Idempotent(bool idempotent)
    {
        _idempotent = idempotent;
        return this;
    }

    /// <summary>Marks the task as already done: it is skipped and the tasks that need it may run.</summary>
    /// <returns>This builder.</returns>
    public PlanTaskBuilder Done()
    {
        _done = true;
        return this;
    }

    /// <summary>Names the tool a tool agent runs for the task (<c>tool:</c>); not needed when the agent has one tool.</summary>
    /// <param name="tool">The tool's name.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The name is not letters, digits, '_', '.' or '-'.</exception>
    public PlanTaskBuilder Tool(string tool)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tool);
        if (!ToolArguments.IsKey(tool))
        {
            throw new ArgumentException($"'{tool}' is not a tool name: use letters, digits, '_', '.' or '-', starting with a letter or '_'.", nameof(tool));
        }

        _tool = tool;
        return this;
    }

    /// <summary>Sets the arguments a tool agent calls its tool with (<c>args:</c>); checked against the tool's schema at validation.</summary>
    /// <param name="arguments">A JSON object, e.g. <c>JsonDocument.Parse("""{"path": "src"}""").RootElement</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The value is not a JSON object.</exception>
    public PlanTaskBuilder Arguments(System.Text.Json.JsonElement arguments)
    {
        if (arguments.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            throw new ArgumentException($"The arguments must be a JSON object, not {arguments.ValueKind}.", nameof(arguments));
        }

        _arguments = arguments.Clone();
        return this;
    }

    internal PlanTask ToTask() => new(
        _id, _title ?? _id, _queue, _layer ?? Layers.ForId(_id), _agent, _run, [.. _needs], [.. _effects],
        _timeout, _retries, _description, _done, location: null, isIdempotent: _idempotent, tool: _tool, arguments: _arguments);
}
