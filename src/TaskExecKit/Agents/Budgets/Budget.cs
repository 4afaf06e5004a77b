using System.Globalization;

namespace TaskExecKit.Agents;

/// <summary>
/// Limits on work: model tokens, cost, wall time, tasks started and tasks running at once. A null
/// limit means this level sets none (its parents' limits still apply).
/// </summary>
/// <param name="MaxTokens">The most model tokens (input plus output).</param>
/// <param name="MaxCost">The most cost, in the host's unit (as agents report it with <see cref="AgentContext.ReportUsage"/>).</param>
/// <param name="MaxWallTime">How long the work may take from its start; a deadline, not a quantity split among children.</param>
/// <param name="MaxTasks">The most tasks started.</param>
/// <param name="MaxConcurrency">The most tasks running at once.</param>
public sealed record Budget(long? MaxTokens = null, decimal? MaxCost = null, TimeSpan? MaxWallTime = null, int? MaxTasks = null, int? MaxConcurrency = null)
{
    /// <summary>Gets a budget without limits.</summary>
    public static Budget Unlimited { get; } = new();

    /// <summary>
    /// Splits this budget into shares proportional to <paramref name="weights"/>: tokens, cost, tasks and
    /// concurrency are divided and rounded down, so the shares never add up to more than this budget;
    /// every share keeps the whole wall time (children share the parent's deadline).
    /// </summary>
    /// <param name="weights">One positive weight per share.</param>
    /// <returns>The shares, in the order of the weights.</returns>
    /// <exception cref="ArgumentException">No weights, or a weight is not positive and finite.</exception>
    public IReadOnlyList<Budget> Split(IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count == 0 || weights.Any(w => !(w > 0) || double.IsInfinity(w)))
        {
            throw new ArgumentException("Split needs at least one weight, and every weight must be positive and finite.", nameof(weights));
        }

        double total = weights.Sum();
        var shares = new Budget[weights.Count];
        for (int i = 0; i < shares.Length; i++)
        {
            double f = weights[i] / total;
            shares[i] = new Budget(
                MaxTokens is { } t ? (long)Math.Floor(t * f) : null,
                MaxCost is { } c ? Math.Floor(c * (decimal)f * 1_000_000m) / 1_000_000m : null,
                MaxWallTime,
                MaxTasks is { } n ? (int)Math.Floor(n * f) : null,
                MaxConcurrency is { } k ? (int)Math.Floor(k * f) : null);
        }

        // Rounding (of f itself) must never let the shares add up to more than the whole.
        Clamp(shares, b => b.MaxTokens, MaxTokens, (b, v) => b with { MaxTokens = v });
        Clamp(shares, b => b.MaxTasks, MaxTasks, (b, v) => b with { MaxTasks = (int?)v });
        Clamp(shares, b => b.MaxConcurrency, MaxConcurrency, (b, v) => b with { MaxConcurrency = (int?)v });
        if (MaxCost is { } cost)
        {
            for (int i = shares.Length - 1; i >= 0 && shares.Sum(s => s.MaxCost ?? 0) > cost; i--)
            {
                shares[i] = shares[i] with { MaxCost = Math.Max(0, shares[i].MaxCost!.Value - (shares.Sum(s => s.MaxCost ?? 0) - cost)) };
            }
        }

        return shares;
    }

    /// <summary>Returns the limits that are set, for example <c>tokens 1000, tasks 20</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var parts = new List<string>();
        if (MaxTokens is { } t)
        {
            parts.Add("tokens " + t.ToString(CultureInfo.InvariantCulture));
        }

        if (MaxCost is { } c)
        {
            parts.Add("cost " + c.ToString(CultureInfo.InvariantCulture));
        }

        if (MaxWallTime is { } w)
        {
            parts.Add("wall time " + w.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s");
        }

        if (MaxTasks is { } n)
        {
            parts.Add("tasks " + n.ToString(CultureInfo.InvariantCulture));
        }

        if (MaxConcurrency is { } k)
        {
            parts.Add("concurrency " + k.ToString(CultureInfo.InvariantCulture));
        }

        return parts.Count == 0 ? "unlimited" : string.Join(", ", parts);
    }

    private static void Clamp(Budget[] shares, Func<Budget, long?> get, long? whole, Func<Budget, long, Budget> set)
    {
        if (whole is not { } limit)
        {
            return;
        }

        for (int i = shares.Length - 1; i >= 0 && shares.Sum(s => get(s) ?? 0) > limit; i--)
        {
            long excess = shares.Sum(s => get(s) ?? 0) - limit;
            shares[i] = set(shares[i], Math.Max(0, get(shares[i])!.Value - excess));
        }
    }
}

/// <summary>What a budget's work has used so far.</summary>
/// <param name="Tokens">Model tokens.</param>
/// <param name="Cost">Cost, in the host's unit.</param>
/// <param name="Tasks">Tasks started.</param>
/// <param name="Elapsed">Time since the work started.</param>
public sealed record BudgetUsage(long Tokens, decimal Cost, int Tasks, TimeSpan Elapsed);

/// <summary>Thrown when work is asked of a budget that is spent; the reason names the budget and the limit.</summary>
public sealed class BudgetExhaustedException : TaskExecKitException
{
    internal BudgetExhaustedException(string reason)
        : base(reason)
    {
    }
}
