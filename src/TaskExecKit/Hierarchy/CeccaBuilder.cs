using System.Text.RegularExpressions;
using TaskExecKit.Agents;
using TaskExecKit.Configuration;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Hierarchy;

/// <summary>
/// Collects a <see cref="Cecca"/>'s commanders, budget and policies; <see cref="Build"/> checks them
/// (names, delegation targets, budget shares) and splits the budget. Defaults: unlimited budget,
/// <see cref="CeccaSplit.Auto"/>, failed tasks retried elsewhere, delegation depth 3.
/// </summary>
public sealed partial class CeccaBuilder
{
    /// <summary>The deepest delegation allowed: how many commanders may try one task.</summary>
    public const int MaxDelegationDepthLimit = 16;

    private readonly List<ChiefCommanderBuilder> _commanders = [];
    private string _name = "cecca";
    private Budget _budget = Agents.Budget.Unlimited;
    private CeccaSplit _split = CeccaSplit.Auto;
    private Func<PlanTask, string?>? _strategy;
    private Func<CommanderFailure, FailureAction> _onFailure = static _ => FailureAction.RetryElsewhere;
    private Func<CommanderFailure, CancellationToken, ValueTask<Plan?>>? _replanner;
    private int _maxDepth = 3;
    private TelemetrySystem? _telemetry;
    private Action<TaskExecutorBuilder>? _configureExecutor;
    private TimeProvider _time = System.TimeProvider.System;
    private Budget? _outer;

    internal CeccaBuilder()
    {
    }

    /// <summary>
    /// Applies a <c>hierarchy.toml</c>: the CECCA's name, split, delegation depth, failure policy and
    /// budget, and its <c>[[commanders]]</c> with their queues, layers, weights, budgets, delegates and
    /// agents (names taken from <paramref name="catalog"/>). Keys are listed in docs/agents.md.
    /// Calls made after it override what it set.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="catalog">The agents commanders may name (built in code, from DI or from <c>agents/*.toml</c>).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ConfigurationException">The file has problems; each names the line and key.</exception>
    public CeccaBuilder Configure(string path, AgentRegistry catalog)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(catalog);
        HierarchyConfig.Apply(this, File.ReadAllText(path), path, catalog);
        return this;
    }

    /// <summary>Sets the CECCA's name, the agent id its decisions are recorded under; <c>cecca</c> by default.</summary>
    /// <param name="name">The name.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder Name(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _name = name;
        return this;
    }

    /// <summary>Sets the CECCA's budget; split among commanders at <see cref="Build"/>. Its concurrency is the executor's worker count.</summary>
    /// <param name="budget">The budget.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder Budget(Budget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        _budget = budget;
        return this;
    }

    /// <summary>Adds a commander.</summary>
    /// <param name="name">Its name: letters, digits, '-' or '_'.</param>
    /// <param name="configure">Sets its queues or layers, stack, budget share and delegates.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder Commander(string name, Action<ChiefCommanderBuilder> configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var commander = new ChiefCommanderBuilder(name);
        configure(commander);
        _commanders.Add(commander);
        return this;
    }

    /// <summary>Sets how tasks are split among commanders; <see cref="CeccaSplit.Auto"/> by default.</summary>
    /// <param name="split">The split.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder SplitBy(CeccaSplit split)
    {
        _split = split;
        return this;
    }

    /// <summary>Lets the host split the plan: the strategy names each task's commander (null falls back to <see cref="SplitBy(CeccaSplit)"/>).</summary>
    /// <param name="strategy">Returns a commander name for a task, or null.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder SplitBy(Func<PlanTask, string?> strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        _strategy = strategy;
        return this;
    }

    /// <summary>Sets what to do about a task that failed on a commander; <see cref="FailureAction.RetryElsewhere"/> by default (it escalates when no other commander can take the task).</summary>
    /// <param name="decide">The failure policy.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder OnFailure(Func<CommanderFailure, FailureAction> decide)
    {
        ArgumentNullException.ThrowIfNull(decide);
        _onFailure = decide;
        return this;
    }

    /// <summary>Sets the re-planner <see cref="FailureAction.Replan"/> asks for a sub-plan replacing a failed task (null: escalate).</summary>
    /// <param name="replanner">Returns the replacement plan, run through the same executor on the same commander.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder Replanner(Func<CommanderFailure, CancellationToken, ValueTask<Plan?>> replanner)
    {
        ArgumentNullException.ThrowIfNull(replanner);
        _replanner = replanner;
        return this;
    }

    /// <summary>Sets how many commanders may try one task, 1 to <see cref="MaxDelegationDepthLimit"/>; 3 by default.</summary>
    /// <param name="depth">The limit.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder MaxDelegationDepth(int depth)
    {
        _maxDepth = depth;
        return this;
    }

    /// <summary>Records every decision (split, delegation, re-plan, escalation, stop) in the telemetry's decision log and audit trail, and the run's tasks and effects as the executor does.</summary>
    /// <param name="telemetry">Where to record.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder Telemetry(TelemetrySystem telemetry)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        _telemetry = telemetry;
        return this;
    }

    /// <summary>Configures the executor each run uses (grants, working directory, evidence, timeouts...). The CECCA sets its agents and, when the budget has a concurrency, its workers.</summary>
    /// <param name="configure">Configures the executor's builder.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder Executor(Action<TaskExecutorBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configureExecutor = configure;
        return this;
    }

    /// <summary>Sets the clock for budgets' wall time; the system clock by default.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    public CeccaBuilder TimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
        return this;
    }

    /// <summary>
    /// Runs the CECCA inside an outer budget (the autonomous engine's allocation) instead of rejecting a
    /// <c>hierarchy.toml</c> written for a larger one: at <see cref="Build"/> the CECCA's budget becomes the tighter
    /// of its own and <paramref name="outer"/>, limit by limit, and each explicit commander share is scaled down in
    /// the same proportion (so the commanders keep their proportions); a share scaled to no running slot, or a
    /// weighted one split to none, shares the CECCA's slots. Nothing can then exceed <paramref name="outer"/>.
    /// </summary>
    /// <param name="outer">The outer budget.</param>
    /// <returns>This builder.</returns>
    internal CeccaBuilder FitInto(Budget outer)
    {
        _outer = outer;
        return this;
    }

    /// <summary>Checks the settings, splits the budget among the commanders and creates the CECCA.</summary>
    /// <returns>The CECCA.</returns>
    /// <exception cref="ArgumentException">A setting is wrong; the message names it (a commander, a delegation target, a budget share).</exception>
    public Cecca Build()
    {
        if (_commanders.Count == 0)
        {
            throw new ArgumentException("A CECCA needs at least one commander: call Commander(...).");
        }

        if (_maxDepth is < 1 or > MaxDelegationDepthLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDelegationDepth), _maxDepth, $"MaxDelegationDepth must be between 1 and {MaxDelegationDepthLimit}.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in _commanders)
        {
            if (!NamePattern().IsMatch(c.Name))
            {
                throw new ArgumentException($"'{c.Name}' is not a valid commander name: use letters, digits, '-' or '_' (at most 64).");
            }

            if (!names.Add(c.Name))
            {
                throw new ArgumentException($"Two commanders are named '{c.Name}'.");
            }
        }

        var commanders = _commanders.Select(c => c.Build()).ToList();
        foreach (var c in commanders)
        {
            foreach (var target in c.DelegatesTo)
            {
                if (string.Equals(target, c.Name, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Commander '{c.Name}' delegates to itself.");
                }

                if (!names.Contains(target))
                {
                    throw new ArgumentException($"Commander '{c.Name}' delegates to '{target}', which is not a commander; commanders: {string.Join(", ", names.Order(StringComparer.Ordinal))}.");
                }
            }
        }

        var budget = _budget;
        if (_outer is { } outer)
        {
            budget = Fit(commanders, outer);
        }

        AssignShares(commanders, budget);
        return new Cecca(new CeccaOptions(_name, budget, commanders, _split, _strategy, _onFailure, _replanner, _maxDepth, _telemetry, _configureExecutor, _time));
    }

    /// <summary>Explicit shares first (they must fit), then the rest split by weight among the others; every commander gets at least one running slot.</summary>
    private void AssignShares(List<ChiefCommander> commanders, Budget budget)
    {
        var probe = new BudgetLedger(_name, budget, _time);
        var explicitOnes = commanders.Where(c => c.ExplicitBudget is not null).ToList();
        foreach (var c in explicitOnes)
        {
            probe.CreateChild(c.Name, c.Budget);
        }

        var weighted = commanders.Where(c => c.ExplicitBudget is null).ToList();
        if (weighted.Count > 0)
        {
            var rest = new Budget(
                budget.MaxTokens - explicitOnes.Sum(c => c.Budget.MaxTokens ?? 0),
                budget.MaxCost - explicitOnes.Sum(c => c.Budget.MaxCost ?? 0),
                budget.MaxWallTime,
                budget.MaxTasks - explicitOnes.Sum(c => c.Budget.MaxTasks ?? 0),
                budget.MaxConcurrency - explicitOnes.Sum(c => c.Budget.MaxConcurrency ?? 0));
            var shares = rest.Split([.. weighted.Select(c => c.Weight)]);
            for (int i = 0; i < weighted.Count; i++)
            {
                weighted[i].Budget = _outer is not null && shares[i].MaxConcurrency == 0 ? shares[i] with { MaxConcurrency = null } : shares[i];
                probe.CreateChild(weighted[i].Name, weighted[i].Budget);
            }
        }

        foreach (var c in commanders)
        {
            if (c.Budget.MaxConcurrency == 0)
            {
                throw new ArgumentException($"Commander '{c.Name}' gets no running slot: the CECCA's MaxConcurrency {budget.MaxConcurrency} is too small for its commanders and weights; raise it or give the commander a Budget with MaxConcurrency of at least 1.");
            }
        }
    }

    /// <summary>
    /// Fit mode (<see cref="FitInto"/>): the tighter budget, and every explicit share scaled by, per limit, the tighter
    /// budget's value over the configured one (or over the explicit shares' sum when the configuration sets none).
    /// </summary>
    private Budget Fit(List<ChiefCommander> commanders, Budget outer)
    {
        static T? Min<T>(T? x, T? y)
            where T : struct, IComparable<T>
            => x is { } l && y is { } r ? (l.CompareTo(r) <= 0 ? l : r) : x ?? y;

        var fitted = new Budget(Min(_budget.MaxTokens, outer.MaxTokens), Min(_budget.MaxCost, outer.MaxCost), Min(_budget.MaxWallTime, outer.MaxWallTime), Min(_budget.MaxTasks, outer.MaxTasks), Min(_budget.MaxConcurrency, outer.MaxConcurrency));
        var explicitOnes = commanders.Where(c => c.ExplicitBudget is not null).ToList();

        // Per limit: the factor that brings the explicit shares inside the fitted budget (1 when they already fit).
        static decimal Factor(decimal? fittedValue, decimal? configured, decimal sumOfShares)
        {
            decimal reference = Math.Max(configured ?? 0, sumOfShares);
            return fittedValue is { } f && reference > f ? (reference == 0 ? 0 : f / reference) : 1;
        }

        decimal tokens = Factor(fitted.MaxTokens, _budget.MaxTokens, explicitOnes.Sum(c => c.ExplicitBudget!.MaxTokens ?? 0));
        decimal cost = Factor(fitted.MaxCost, _budget.MaxCost, explicitOnes.Sum(c => c.ExplicitBudget!.MaxCost ?? 0));
        decimal tasks = Factor(fitted.MaxTasks, _budget.MaxTasks, explicitOnes.Sum(c => (decimal)(c.ExplicitBudget!.MaxTasks ?? 0)));
        decimal slots = Factor(fitted.MaxConcurrency, _budget.MaxConcurrency, explicitOnes.Sum(c => (decimal)(c.ExplicitBudget!.MaxConcurrency ?? 0)));
        foreach (var c in explicitOnes)
        {
            var share = c.ExplicitBudget!;
            int? concurrency = share.MaxConcurrency is { } k ? (int)Math.Floor(k * slots) : null;
            c.Budget = new Budget(
                share.MaxTokens is { } t ? (long)Math.Floor(t * tokens) : null,
                share.MaxCost is { } m ? Math.Floor(m * cost * 1_000_000m) / 1_000_000m : null,
                share.MaxWallTime is { } wall && fitted.MaxWallTime is { } whole && wall > whole ? whole : share.MaxWallTime,
                share.MaxTasks is { } n ? (int)Math.Floor(n * tasks) : null,
                concurrency == 0 ? null : concurrency);
        }

        return fitted;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();
}
