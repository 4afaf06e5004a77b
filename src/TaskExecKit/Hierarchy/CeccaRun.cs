using System.Collections.Concurrent;
using System.Globalization;
using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Hierarchy;

/// <summary>One run of a CECCA: ledgers, the split, the router agents the executor calls, and the decisions.</summary>
internal sealed class CeccaRun
{
    private readonly Cecca _cecca;
    private readonly CeccaOptions _options;
    private readonly string _goal;
    private readonly BudgetLedger _root;
    private readonly CommanderState[] _commanders;
    private readonly Dictionary<string, CommanderState> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<PlanTask, CommanderState> _assigned = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<string, string> _ranOn = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<CeccaDecision> _decisions = new();
    private readonly CancellationTokenSource _stop;
    private TaskExecutor? _executor;
    private string? _stopReason;

    internal CeccaRun(Cecca cecca, string goal)
    {
        _cecca = cecca;
        _options = cecca.Options;
        _goal = goal;
        _root = new BudgetLedger(_options.Name, _options.Budget, _options.TimeProvider);
        _commanders = [.. _options.Commanders.Select(c => new CommanderState(c, _root.CreateChild(c.Name, c.Budget)))];
        foreach (var c in _commanders)
        {
            _byName.Add(c.Spec.Name, c);
        }

        _stop = _options.Budget.MaxWallTime is { } wall
            ? new CancellationTokenSource(wall, _options.TimeProvider)
            : new CancellationTokenSource();
    }

    internal async Task<CeccaResult> RunAsync(Plan plan, CancellationToken cancellationToken)
    {
        using var stop = _stop;
        Decide("cecca.start", $"goal: {_goal}", null, null, $"budget: {_options.Budget}; commanders: {string.Join(", ", _commanders.Select(c => c.Spec.Name))}");
        Split(plan.Tasks);

        // One registry for the run: every agent name any stack has maps to a router that sends the task to its commander.
        var registry = new AgentRegistry();
        foreach (var name in _commanders.SelectMany(c => c.Spec.AgentNames).Distinct(StringComparer.Ordinal))
        {
            var router = new RouterAgent(this, name);
            registry.Add(name, () => router, _commanders.Any(c => c.Spec.Stack.RunsCommands(name)));
            if (_commanders.Select(c => c.Spec.Stack.ToolsOf(name)).FirstOrDefault(t => t is not null) is { } tools)
            {
                // Tool agents keep their plan validation behind the router: the tool and args of each task are checked before the run.
                registry.SetTools(name, tools);
            }
        }

        var builder = TaskExecutor.Builder();
        _options.ConfigureExecutor?.Invoke(builder);
        builder.Agents(registry);
        if (_options.Budget.MaxConcurrency is { } workers)
        {
            builder.MaxWorkers(Math.Clamp(workers, 1, TaskExecutorBuilder.MaxWorkersLimit));
        }

        if (_options.Telemetry is { } telemetry)
        {
            builder.Telemetry(telemetry);
        }

        await using var executor = builder.Build();
        _executor = executor;
        foreach (var c in _commanders)
        {
            c.CreateAgents();
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        RunResult run = await executor.RunAsync(plan, linked.Token).ConfigureAwait(false);
        if (_stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested && _stopReason is null)
        {
            Stop($"the wall time of '{_options.Name}' is up ({_options.Budget.MaxWallTime?.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s)");
        }

        var reports = _commanders.Select(c => new CommanderReport(c.Spec.Name, c.Spec.Budget, c.Ledger.Usage, c.Assigned, c.Succeeded, c.Failed, c.Ledger.ExhaustedReason)).ToList();
        return new CeccaResult(_goal, run, reports, _root.Usage, _options.Budget, Volatile.Read(ref _stopReason), [.. _decisions], new Dictionary<string, string>(_ranOn, StringComparer.Ordinal));
    }

    private static string AgentOf(PlanTask task) => task.Agent ?? (task.Run is not null ? "shell" : "noop");

    private void Split(IReadOnlyList<PlanTask> tasks)
    {
        var why = new Dictionary<CommanderState, string>();
        foreach (var task in tasks)
        {
            var (commander, reason) = Choose(task);
            _assigned[task] = commander;
            commander.Assigned++;
            why.TryAdd(commander, reason);
        }

        foreach (var c in _commanders)
        {
            string inputs = $"queues: [{string.Join(", ", c.Spec.Queues)}]; layers: [{string.Join(", ", c.Spec.Layers)}]; stack: [{string.Join(", ", c.Spec.AgentNames.Order(StringComparer.Ordinal))}]; budget: {c.Spec.Budget}";
            string how = why.TryGetValue(c, out var r) ? $" ({r})" : string.Empty;
            Decide("cecca.split", string.Create(CultureInfo.InvariantCulture, $"{c.Assigned} task(s) to {c.Spec.Name}{how}"), null, c.Spec.Name, inputs);
        }
    }

    private (CommanderState Commander, string Reason) Choose(PlanTask task)
    {
        if (_options.Strategy?.Invoke(task) is { } named)
        {
            return _byName.TryGetValue(named, out var c)
                ? (c, "host strategy")
                : throw new ArgumentException($"The CECCA's split strategy named commander '{named}' for task {task.Id}; commanders: {string.Join(", ", _byName.Keys.Order(StringComparer.Ordinal))}.");
        }

        // A commander whose stack cannot run the task's agent is passed over: the task goes to one that can.
        string agent = AgentOf(task);
        if (_options.Split is CeccaSplit.Auto or CeccaSplit.Queue && Match(c => c.Spec.Queues.Contains(task.Queue, StringComparer.Ordinal)) is { } byQueue)
        {
            return (byQueue, "by queue");
        }

        if (_options.Split is CeccaSplit.Auto or CeccaSplit.Layer && Match(c => c.Spec.Layers.Contains(task.Layer, StringComparer.Ordinal)) is { } byLayer)
        {
            return (byLayer, "by layer");
        }

        return (_commanders.FirstOrDefault(c => c.Spec.Stack.Contains(agent)) ?? _commanders[0], "by agent");

        CommanderState? Match(Func<CommanderState, bool> takes)
            => _commanders.FirstOrDefault(c => takes(c) && c.Spec.Stack.Contains(agent))
               ?? (_commanders.Any(c => c.Spec.Stack.Contains(agent)) ? null : _commanders.FirstOrDefault(takes));
    }

    /// <summary>Runs a task on its commander; on failure applies the failure policy, delegating along a path that never repeats a commander.</summary>
    internal async ValueTask<AgentResult> RouteAsync(string agentName, AgentContext context, CancellationToken cancellationToken)
    {
        var task = context.Task;
        if (!_assigned.TryGetValue(task, out var commander))
        {
            // A task of another plan object with the same id (a resumed or re-read plan): fall back to the split rules.
            commander = Choose(task).Commander;
            _assigned[task] = commander;
        }

        var path = new List<string>(_options.MaxDelegationDepth);
        while (true)
        {
            path.Add(commander.Spec.Name);
            _ranOn[task.Id] = commander.Spec.Name;
            AgentResult result;
            try
            {
                result = await commander.RunAsync(agentName, context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or EffectDeniedException or OutOfMemoryException))
            {
                // A denied effect is never delegated around: it ends the task as denied.
                result = AgentResult.Failure($"{ex.GetType().Name}: {ex.Message}", isTransient: ex is TaskExecKitException { IsTransient: true });
            }

            if (result.Succeeded)
            {
                Interlocked.Increment(ref commander.Succeeded);
                return result;
            }

            Interlocked.Increment(ref commander.Failed);
            if (!_root.CanSpend(out string? spent) || _root.Budget.MaxTasks is { } maxTasks && _root.Usage.Tasks >= maxTasks && result.Error?.StartsWith("Budget exhausted", StringComparison.Ordinal) == true)
            {
                // The CECCA's own budget is spent: stop the whole run cleanly rather than delegate.
                Stop(spent ?? _root.ExhaustedReason ?? $"the task budget of '{_options.Name}' is spent");
                return result;
            }

            bool exhausted = result.Error?.StartsWith("Budget exhausted", StringComparison.Ordinal) == true;
            var failure = new CommanderFailure(task, agentName, commander.Spec.Name, result.Error ?? "failed", [.. path], exhausted);
            var action = _options.OnFailure(failure);
            if (action == FailureAction.RetryElsewhere)
            {
                if (path.Count >= _options.MaxDelegationDepth)
                {
                    Decide("cecca.escalate", string.Create(CultureInfo.InvariantCulture, $"task {task.Id} failed on {commander.Spec.Name}; the delegation depth limit ({_options.MaxDelegationDepth}) is reached: {string.Join(" → ", path)}"), task.Id, commander.Spec.Name, failure.Error);
                    return result;
                }

                var next = NextCommander(commander, agentName, path);
                if (next is null)
                {
                    Decide("cecca.escalate", $"task {task.Id} failed on {commander.Spec.Name}; no other commander can take it (tried {string.Join(" → ", path)})", task.Id, commander.Spec.Name, failure.Error);
                    return result;
                }

                Decide("cecca.delegate", $"task {task.Id} failed on {commander.Spec.Name}; handed to {next.Spec.Name}", task.Id, next.Spec.Name, failure.Error);
                commander = next;
                continue;
            }

            if (action == FailureAction.Replan && _options.Replanner is { } replanner)
            {
                var subPlan = await replanner(failure, cancellationToken).ConfigureAwait(false);
                if (subPlan is not null)
                {
                    Decide("cecca.replan", string.Create(CultureInfo.InvariantCulture, $"task {task.Id} failed on {commander.Spec.Name}; replaced by a sub-plan of {subPlan.Tasks.Count} task(s) on {commander.Spec.Name}"), task.Id, commander.Spec.Name, failure.Error);
                    foreach (var t in subPlan.Tasks)
                    {
                        _assigned[t] = commander;
                    }

                    var sub = await _executor!.RunAsync(subPlan, cancellationToken).ConfigureAwait(false);
                    return sub.Status == RunStatus.Succeeded
                        ? AgentResult.Success()
                        : AgentResult.Failure($"the replacement sub-plan for task {task.Id} did not succeed: " + string.Join("; ", sub.Tasks.Where(t => t.Status != TaskRunStatus.Succeeded).Take(3)));
                }
            }

            Decide("cecca.escalate", $"task {task.Id} failed on {commander.Spec.Name}; the failure policy escalates it", task.Id, commander.Spec.Name, failure.Error);
            return result;
        }
    }

    private CommanderState? NextCommander(CommanderState from, string agentName, List<string> path)
    {
        IEnumerable<CommanderState> candidates = from.Spec.DelegatesTo.Select(n => _byName[n]).Concat(_commanders);
        foreach (var c in candidates)
        {
            // The cycle check: a commander that already tried the task never gets it again.
            if (!path.Contains(c.Spec.Name, StringComparer.Ordinal) && c.Spec.Stack.Contains(agentName) && c.Ledger.CanSpend(out _))
            {
                return c;
            }
        }

        return null;
    }

    private void Stop(string reason)
    {
        if (Interlocked.CompareExchange(ref _stopReason, reason, null) is null)
        {
            Decide("cecca.stop", "budget exhausted: " + reason, null, null, _root.Usage.ToString());
            _stop.Cancel();
        }
    }

    private void Decide(string decision, string reason, string? taskId, string? commander, string? inputs)
    {
        _decisions.Enqueue(new CeccaDecision(decision, reason, taskId, commander));
        _options.Telemetry?.RecordDecision(decision, reason, inputs, _options.Name, taskId);
    }

    /// <summary>What the executor calls for an agent name: routes each task to its commander.</summary>
    private sealed class RouterAgent(CeccaRun run, string name) : ITaskAgent
    {
        public ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
            => run.RouteAsync(name, context, cancellationToken);
    }

    /// <summary>A commander during a run: its ledger, its stack's agents (created once per run, inside its budget), its counters.</summary>
    private sealed class CommanderState(ChiefCommander spec, BudgetLedger ledger)
    {
        private Dictionary<string, ITaskAgent> _agents = [];

        public int Assigned;
        public int Succeeded;
        public int Failed;

        public ChiefCommander Spec { get; } = spec;

        public BudgetLedger Ledger { get; } = ledger;

        public void CreateAgents()
        {
            var agents = new Dictionary<string, ITaskAgent>(StringComparer.Ordinal);
            foreach (var name in Spec.AgentNames)
            {
                agents[name] = new TaskAgentBuilder(Spec.Stack.Create(name)).UseBudget(Ledger).Build();
            }

            _agents = agents;
        }

        public ValueTask<AgentResult> RunAsync(string agentName, AgentContext context, CancellationToken cancellationToken)
            => _agents.TryGetValue(agentName, out var agent)
                ? agent.RunAsync(context, cancellationToken)
                : new ValueTask<AgentResult>(AgentResult.Failure($"commander {Spec.Name} has no agent '{agentName}' in its stack (it has: {string.Join(", ", _agents.Keys.Order(StringComparer.Ordinal))})"));
    }
}
