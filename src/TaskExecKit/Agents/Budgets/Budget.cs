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
    /// Splits this budget into shares proportional to <paramref name="weights"/>: tokens, tasks and
    /// concurrency are divided by largest remainder (they add up to exactly this budget's), cost is
    /// rounded down to millionths (never adding up to more);
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
        double[] fractions = [.. weights.Select(w => w / total)];
        long[]? tokens = MaxTokens is { } t ? Apportion(t, fractions) : null;
        long[]? tasks = MaxTasks is { } n ? Apportion(n, fractions) : null;
        long[]? slots = MaxConcurrency is { } k ? Apportion(k, fractions) : null;
        var shares = new Budget[weights.Count];
        for (int i = 0; i < shares.Length; i++)
        {
            shares[i] = new Budget(
                tokens?[i],
                MaxCost is { } c ? Math.Floor(c * (decimal)fractions[i] * 1_000_000m) / 1_000_000m : null,
                MaxWallTime,
                (int?)tasks?[i],
                (int?)slots?[i]);
        }

        if (MaxCost is { } cost)
        {
            // Rounding of the fractions themselves must never let the cost shares add up to more than the whole.
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

    /// <summary>Largest remainder: each share rounded down, the units left go to the largest remainders; the shares add up to exactly the whole.</summary>
    private static long[] Apportion(long whole, double[] fractions)
    {
        var shares = new long[fractions.Length];
        for (int i = 0; i < shares.Length; i++)
        {
            shares[i] = Math.Min(whole, (long)Math.Floor(whole * fractions[i]));
        }

        long left = whole - shares.Sum();
        foreach (int i in Enumerable.Range(0, shares.Length).OrderByDescending(i => (whole * fractions[i]) - Math.Floor(whole * fractions[i])).ThenBy(i => i))
        {
            if (left <= 0)
            {
                break;
            }

            shares[i]++;
            left--;
        }

        // Floating-point error could still leave the floors above the whole: take the excess back from the end.
        for (int i = shares.Length - 1; i >= 0 && left < 0; i--)
        {
            long take = Math.Min(shares[i], -left);
            shares[i] -= take;
            left += take;
        }

        return shares;
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
    internal BudgetExhaustedException(string reason, BudgetLimit limit = BudgetLimit.None)
        : base(reason)
    {
        Limit = limit;
    }

    /// <summary>Gets which limit is spent, when known.</summary>
    internal BudgetLimit Limit { get; }
}

/// <summary>Which limit of a <see cref="Budget"/> a ledger found spent.</summary>
internal enum BudgetLimit
{
    /// <summary>Not known, or none.</summary>
    None,

    /// <summary><see cref="Budget.MaxTokens"/>.</summary>
    Tokens,

    /// <summary><see cref="Budget.MaxCost"/>.</summary>
    Cost,

    /// <summary><see cref="Budget.MaxWallTime"/>.</summary>
    WallTime,
}
