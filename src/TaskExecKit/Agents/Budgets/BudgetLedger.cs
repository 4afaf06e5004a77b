using System.Globalization;

namespace TaskExecKit.Agents;

/// <summary>
/// Counts what work spends against a <see cref="Budget"/>, in a tree: a child's spending is also
/// its parent's, a child's explicit limits may not add up to more than its parent's, and work is
/// admitted only while this ledger and every ancestor have budget left. So a model call starts
/// only when tokens and cost are under every limit: a budget is overshot by at most the calls
/// already running when it ran out (one, when the work runs one call at a time).
/// </summary>
public sealed class BudgetLedger
{
    private readonly Lock _gate;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly SemaphoreSlim? _slots;
    private readonly List<BudgetLedger> _children = [];
    private long _tokens;
    private decimal _cost;
    private int _tasks;
    private string? _exhausted;

    /// <summary>Creates a root ledger; its wall time starts now.</summary>
    /// <param name="name">A name for reasons and telemetry, for example <c>cecca</c>.</param>
    /// <param name="budget">The limits.</param>
    /// <param name="timeProvider">The clock; the system clock by default.</param>
    public BudgetLedger(string name, Budget budget, TimeProvider? timeProvider = null)
        : this(name, budget, timeProvider ?? TimeProvider.System, null, new Lock())
    {
    }

    private BudgetLedger(string name, Budget budget, TimeProvider time, BudgetLedger? parent, Lock gate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(budget);
        Check(budget);
        Name = name;
        Budget = budget;
        Parent = parent;
        _time = time;
        _gate = gate;
        _started = time.GetTimestamp();
        _slots = budget.MaxConcurrency is { } k ? new SemaphoreSlim(k, Math.Max(1, k)) : null;
    }

    /// <summary>Gets the ledger's name.</summary>
    public string Name { get; }

    /// <summary>Gets the ledger's limits.</summary>
    public Budget Budget { get; }

    /// <summary>Gets the ledger this one is a share of, or null for the root.</summary>
    public BudgetLedger? Parent { get; }

    /// <summary>Gets why this ledger (or an ancestor) ran out first, or null while it has budget left.</summary>
    public string? ExhaustedReason
    {
        get
        {
            lock (_gate)
            {
                return _exhausted;
            }
        }
    }

    /// <summary>Gets what has been spent under this ledger, its children included.</summary>
    public BudgetUsage Usage
    {
        get
        {
            lock (_gate)
            {
                return new BudgetUsage(_tokens, _cost, _tasks, _time.GetElapsedTime(_started));
            }
        }
    }

    /// <summary>
    /// Creates a share of this ledger. Each explicit limit of the share must fit in what this
    /// ledger's other shares left unallocated, so the shares never add up to more than the whole.
    /// </summary>
    /// <param name="name">The share's name.</param>
    /// <param name="share">Its limits; a null limit means it has no own limit and is bounded by this ledger's.</param>
    /// <returns>The child ledger.</returns>
    /// <exception cref="ArgumentException">A limit is over what is left to allocate, or the wall time is over this ledger's.</exception>
    public BudgetLedger CreateChild(string name, Budget share)
    {
        ArgumentNullException.ThrowIfNull(share);
        lock (_gate)
        {
            Fits(name, "MaxTokens", share.MaxTokens, Budget.MaxTokens, _children.Sum(c => c.Budget.MaxTokens ?? 0));
            Fits(name, "MaxTasks", share.MaxTasks, Budget.MaxTasks, _children.Sum(c => (long)(c.Budget.MaxTasks ?? 0)));
            Fits(name, "MaxConcurrency", share.MaxConcurrency, Budget.MaxConcurrency, _children.Sum(c => (long)(c.Budget.MaxConcurrency ?? 0)));
            if (share.MaxCost is { } cost && Budget.MaxCost is { } whole && cost + _children.Sum(c => c.Budget.MaxCost ?? 0) > whole)
            {
                throw new ArgumentException($"Budget share '{name}': MaxCost {cost} is more than the {whole - _children.Sum(c => c.Budget.MaxCost ?? 0)} that '{Name}' has left to allocate.", nameof(share));
            }

            if (share.MaxWallTime is { } wall && Budget.MaxWallTime is { } parentWall && wall > parentWall)
            {
                throw new ArgumentException($"Budget share '{name}': MaxWallTime {wall} is longer than '{Name}''s {parentWall}.", nameof(share));
            }

            var child = new BudgetLedger(name, share, _time, this, _gate);
            _children.Add(child);
            return child;
        }
    }

    /// <summary>Tells whether tokens, cost and wall time are under the limits here and in every ancestor.</summary>
    /// <param name="reason">Why not, naming the ledger and the limit.</param>
    /// <returns>True when work may spend more.</returns>
    public bool CanSpend(out string? reason) => CanSpend(out reason, out _);

    /// <summary>As <see cref="CanSpend(out string?)"/>, also telling which limit is spent (for the AI agent's stop reason).</summary>
    internal bool CanSpend(out string? reason, out BudgetLimit limit)
    {
        lock (_gate)
        {
            reason = SpendProblemLocked(out var offender, out limit);
            if (reason is not null)
            {
                MarkExhaustedLocked(reason, offender);
            }

            return reason is null;
        }
    }

    /// <summary>Tells whether this ledger or an ancestor limits cost, so that a model call of unknown cost cannot be counted against it.</summary>
    internal bool LimitsCost()
    {
        for (var ledger = this; ledger is not null; ledger = ledger.Parent)
        {
            if (ledger.Budget.MaxCost is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Records tokens and cost spent, here and in every ancestor.</summary>
    /// <param name="tokens">Tokens spent.</param>
    /// <param name="cost">Cost spent.</param>
    public void Charge(long tokens, decimal cost = 0m)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
        lock (_gate)
        {
            for (var ledger = this; ledger is not null; ledger = ledger.Parent)
            {
                ledger._tokens += tokens;
                ledger._cost += cost;
            }
        }
    }

    /// <summary>Starts a task if the task count, tokens, cost and wall time allow it here and in every ancestor, and counts it.</summary>
    /// <param name="reason">Why not, naming the ledger and the limit.</param>
    /// <returns>True when the task may start (and is counted).</returns>
    public bool TryStartTask(out string? reason) => TryStartTask(out reason, out _);

    /// <summary>As <see cref="TryStartTask(out string?)"/>, also telling which limit is spent (none for the task count).</summary>
    internal bool TryStartTask(out string? reason, out BudgetLimit limit)
    {
        lock (_gate)
        {
            reason = SpendProblemLocked(out var offender, out limit);
            for (var ledger = this; reason is null && ledger is not null; ledger = ledger.Parent)
            {
                if (ledger.Budget.MaxTasks is { } max && ledger._tasks >= max)
                {
                    offender = ledger;
                    reason = string.Create(CultureInfo.InvariantCulture, $"the task budget of '{ledger.Name}' is spent ({ledger._tasks} of {max} tasks started)");
                }
            }

            if (reason is not null)
            {
                MarkExhaustedLocked(reason, offender);
                return false;
            }

            for (var ledger = this; ledger is not null; ledger = ledger.Parent)
            {
                ledger._tasks++;
            }

            return true;
        }
    }

    /// <summary>Waits for a running slot here and in every ancestor with a concurrency limit (outermost first).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The slot; dispose it when the task ends.</returns>
    internal async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        var path = new List<SemaphoreSlim>();
        for (var ledger = this; ledger is not null; ledger = ledger.Parent)
        {
            if (ledger._slots is not null)
            {
                path.Add(ledger._slots);
            }
        }

        path.Reverse();
        int entered = 0;
        try
        {
            foreach (var slots in path)
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                entered++;
            }
        }
        catch
        {
            for (int i = entered - 1; i >= 0; i--)
            {
                path[i].Release();
            }

            throw;
        }

        return new Slot(path);
    }

    /// <summary>Gets how long is left before this ledger's or an ancestor's wall time runs out, or null when none applies.</summary>
    internal TimeSpan? RemainingWallTime()
    {
        TimeSpan? remaining = null;
        for (var ledger = this; ledger is not null; ledger = ledger.Parent)
        {
            if (ledger.Budget.MaxWallTime is { } wall)
            {
                var left = wall - _time.GetElapsedTime(ledger._started);
                remaining = remaining is { } r && r < left ? r : left;
            }
        }

        return remaining;
    }

    private string? SpendProblemLocked(out BudgetLedger? offender, out BudgetLimit limit)
    {
        offender = null;
        limit = BudgetLimit.None;
        for (var ledger = this; ledger is not null; ledger = ledger.Parent)
        {
            var b = ledger.Budget;
            offender = ledger;
            if (b.MaxTokens is { } tokens && ledger._tokens >= tokens)
            {
                limit = BudgetLimit.Tokens;
                return string.Create(CultureInfo.InvariantCulture, $"the token budget of '{ledger.Name}' is spent ({ledger._tokens} of {tokens} tokens)");
            }

            if (b.MaxCost is { } cost && ledger._cost >= cost)
            {
                limit = BudgetLimit.Cost;
                return string.Create(CultureInfo.InvariantCulture, $"the cost budget of '{ledger.Name}' is spent ({ledger._cost} of {cost})");
            }

            if (b.MaxWallTime is { } wall && _time.GetElapsedTime(ledger._started) >= wall)
            {
                limit = BudgetLimit.WallTime;
                return string.Create(CultureInfo.InvariantCulture, $"the wall time of '{ledger.Name}' is up ({wall.TotalSeconds:0.###} s)");
            }
        }

        offender = null;
        return null;
    }

    /// <summary>Records the first reason on this ledger and on the ledger whose limit ran out (this one or an ancestor).</summary>
    private void MarkExhaustedLocked(string reason, BudgetLedger? offender)
    {
        _exhausted ??= reason;
        if (offender is not null)
        {
            offender._exhausted ??= reason;
        }
    }

    private static void Check(Budget budget)
    {
        if (budget.MaxTokens < 0 || budget.MaxCost < 0 || budget.MaxTasks < 0 || budget.MaxConcurrency < 0 || budget.MaxWallTime < TimeSpan.Zero)
        {
            throw new ArgumentException($"A budget's limits may not be negative: {budget}.", nameof(budget));
        }
    }

    private void Fits(string name, string what, long? share, long? whole, long allocated)
    {
        if (share is { } s && whole is { } w && s + allocated > w)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Budget share '{name}': {what} {s} is more than the {w - allocated} that '{Name}' has left to allocate."), nameof(share));
        }
    }

    /// <summary>A running slot held in a ledger and its ancestors.</summary>
    internal readonly struct Slot(List<SemaphoreSlim> held) : IDisposable
    {
        public void Dispose()
        {
            if (held is null)
            {
                return;
            }

            for (int i = held.Count - 1; i >= 0; i--)
            {
                held[i].Release();
            }
        }
    }
}
