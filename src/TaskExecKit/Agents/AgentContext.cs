using TaskExecKit.Effects;
using TaskExecKit.Planning;

namespace TaskExecKit.Agents;

/// <summary>
/// What an agent gets for one attempt of a task: the task, the effects it may perform, the
/// commands configured for it, its log, and a key that stays the same across attempts.
/// </summary>
public sealed class AgentContext
{
    private readonly AgentRunInfo _run;
    private readonly Lock _usageGate = new();
    private CommandResult[]? _recorded;
    private string? _idempotencyKey;
    private long _tokensUsed;
    private decimal _costUsed;

    internal AgentContext(
        PlanTask task,
        EffectPolicy policy,
        IReadOnlyList<AgentCommand> commands,
        TextWriter log,
        string runId,
        string workingDirectory,
        TimeProvider timeProvider,
        IEffectAuditor? auditor)
        : this(task, policy, commands, log, new AgentRunInfo(runId, workingDirectory, timeProvider, auditor))
    {
    }

    /// <summary>Creates a context whose run-wide parts are shared with the run's other tasks (one object per run, not four fields per task).</summary>
    internal AgentContext(PlanTask task, EffectPolicy policy, IReadOnlyList<AgentCommand> commands, TextWriter log, AgentRunInfo run)
    {
        Task = task;
        Policy = policy;
        Commands = commands;
        Log = log;
        _run = run;
    }

    /// <summary>Gets the task being run.</summary>
    public PlanTask Task { get; }

    /// <summary>Gets the effects this task may perform: the host's and configuration's grants plus the task's own.</summary>
    public EffectPolicy Policy { get; }

    /// <summary>Gets the commands to run for the task: its <c>run</c> command, or those config/hooks.json names for it.</summary>
    public IReadOnlyList<AgentCommand> Commands { get; }

    /// <summary>Gets the task's log (a file under the run's <c>logs/</c> folder, or nothing when evidence is off).</summary>
    public TextWriter Log { get; }

    /// <summary>
    /// Gets a key that is the same for every attempt of this task in this run and different in
    /// any other: pass it to services that can deduplicate requests.
    /// </summary>
    public string IdempotencyKey => _idempotencyKey ??= _run.RunId + "/" + Task.Id;

    /// <summary>Gets the absolute directory commands run in unless they say otherwise.</summary>
    public string WorkingDirectory => _run.WorkingDirectory;

    /// <summary>Gets the 1-based number of this attempt.</summary>
    public int Attempt { get; internal set; } = 1;

    /// <summary>Gets the clock to use for any time the agent needs.</summary>
    public TimeProvider TimeProvider => _run.TimeProvider;

    /// <summary>Checks an effect against the policy, records the decision, and throws when it is denied.</summary>
    /// <param name="requested">The effect the agent is about to perform.</param>
    /// <exception cref="EffectDeniedException">The policy does not allow it.</exception>
    public void Demand(Capability requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        if (!Evaluate(requested, Environment.GetEnvironmentVariable("PATH"), out string? resolved))
        {
            throw new EffectDeniedException(requested, Task.Id, resolved);
        }
    }

    /// <summary>Checks an effect against the policy and records the decision, without throwing.</summary>
    /// <param name="requested">The effect the agent would perform.</param>
    /// <returns>True when it is allowed.</returns>
    public bool Check(Capability requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        return Evaluate(requested, Environment.GetEnvironmentVariable("PATH"), out _);
    }

    internal bool Evaluate(Capability requested, string? pathVariable, out string? resolved)
    {
        bool allowed = Policy.Evaluate(requested, pathVariable, out resolved);
        _run.Auditor?.OnEffectChecked(new EffectDecision(Task.Id, requested, allowed));
        return allowed;
    }

    /// <summary>Gets the commands agents recorded as they ran, kept even when an attempt is cancelled or times out.</summary>
    internal IReadOnlyList<CommandResult> RecordedCommands => Volatile.Read(ref _recorded) ?? [];

    internal void RecordCommand(CommandResult result)
    {
        _parent?.RecordCommand(result);
        // Rare (once per command) and almost never contended: copy on write, no lock object per context.
        while (true)
        {
            var current = Volatile.Read(ref _recorded);
            CommandResult[] next = current is null ? [result] : [.. current, result];
            if (Interlocked.CompareExchange(ref _recorded, next, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>Gets the model tokens the agents reported for this task so far (<see cref="ReportUsage"/>), over all attempts.</summary>
    public long TokensUsed
    {
        get
        {
            lock (_usageGate)
            {
                return _tokensUsed;
            }
        }
    }

    /// <summary>Gets the cost the agents reported for this task so far, over all attempts.</summary>
    public decimal CostUsed
    {
        get
        {
            lock (_usageGate)
            {
                return _costUsed;
            }
        }
    }

    /// <summary>
    /// Reports model tokens and cost the agent just spent (the AI agent reports every model call).
    /// Budget middleware and the hierarchy charge it to their budgets.
    /// </summary>
    /// <param name="tokens">Tokens spent (input plus output); not negative.</param>
    /// <param name="cost">Cost spent, in the host's unit; not negative.</param>
    public void ReportUsage(long tokens, decimal cost = 0m)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        lock (_usageGate)
        {
            _tokensUsed += tokens;
            _costUsed += cost;
        }

        Ledger?.Charge(tokens, cost);
        _parent?.ReportUsageFromChild(tokens, cost);
    }

    /// <summary>Gets or sets the budget the budget middleware charges this task's usage to; null when none.</summary>
    internal BudgetLedger? Ledger { get; set; }

    private AgentContext? _parent;

    /// <summary>Throws when the task's budget is spent, so an AI agent does not start another model call.</summary>
    internal void BeforeModelCall()
    {
        for (var context = this; context is not null; context = context._parent)
        {
            if (context.Ledger is { } ledger && !ledger.CanSpend(out string? reason, out BudgetLimit limit))
            {
                throw new BudgetExhaustedException(reason!, limit);
            }
        }
    }

    /// <summary>Tells whether a budget above the agent limits cost (the task's ledger or one of a parent context), so a call of unknown cost cannot be counted.</summary>
    internal bool LimitsCost()
    {
        for (var context = this; context is not null; context = context._parent)
        {
            if (context.Ledger?.LimitsCost() == true)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A context for one agent of a composite: same task, policy and run, a log safe to share, usage and commands forwarded here.</summary>
    internal AgentContext CreateChild()
    {
        var log = Log == TextWriter.Null ? Log : TextWriter.Synchronized(Log);
        return new AgentContext(Task, Policy, Commands, log, _run) { Attempt = Attempt, _parent = this };
    }

    private void ReportUsageFromChild(long tokens, decimal cost)
    {
        lock (_usageGate)
        {
            _tokensUsed += tokens;
            _costUsed += cost;
        }

        Ledger?.Charge(tokens, cost);
        _parent?.ReportUsageFromChild(tokens, cost);
    }

    internal void DemandResolved(Capability requested, string? pathVariable, out string? resolved)
    {
        if (!Evaluate(requested, pathVariable, out resolved))
        {
            throw new EffectDeniedException(requested, Task.Id, resolved);
        }
    }
}
