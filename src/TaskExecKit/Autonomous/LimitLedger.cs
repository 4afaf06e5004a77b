using System.Globalization;
using TaskExecKit.Configuration;

namespace TaskExecKit.Autonomous;

/// <summary>A limit was reached: the loop stops before the next effect.</summary>
internal sealed class LimitReachedException(string limit, double value, string message) : Exception(message)
{
    internal string Limit { get; } = limit;

    internal double Value { get; } = value;
}

/// <summary>
/// The engine's limits and what is used of them. The limits are copied from the configuration when
/// the engine is built and can only be lowered afterwards (<see cref="TryLower"/>); nothing can raise them.
/// </summary>
/// <remarks>
/// Exact semantics (checked by properties in the tests):
/// <list type="bullet">
/// <item><c>max_iterations</c>: at most that many iterations start.</item>
/// <item><c>max_tasks</c>: at most that many tasks execute; a plan that would pass it is refused whole.</item>
/// <item><c>max_tokens</c>/<c>max_cost</c>: no model call starts once used ≥ limit; so the overshoot is at most one call.</item>
/// <item><c>max_wall_time</c>: no phase starts after it, and running work is cancelled when it elapses.</item>
/// <item><c>max_consecutive_failures</c>: the loop stops once that many tasks (or iterations that threw) failed in a row.</item>
/// <item><c>max_error_rate</c>: the loop stops once failed/finished tasks is above it.</item>
/// </list>
/// </remarks>
internal sealed class LimitLedger
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly decimal _costPerToken;

    internal LimitLedger(AutonomousLimits limits, TimeProvider time, decimal costPerMillionTokens, DateTimeOffset startedAt)
    {
        MaxIterations = limits.MaxIterations;
        MaxWallTime = limits.MaxWallTime;
        MaxTokens = limits.MaxTokens;
        MaxCost = limits.MaxCost;
        MaxTasks = limits.MaxTasks;
        MaxConsecutiveFailures = limits.MaxConsecutiveFailures;
        MaxErrorRate = limits.MaxErrorRate;
        _time = time;
        _costPerToken = costPerMillionTokens / 1_000_000m;
        StartedAt = startedAt;
    }

    internal int MaxIterations { get; private set; }

    internal TimeSpan MaxWallTime { get; private set; }

    internal long MaxTokens { get; private set; }

    internal decimal MaxCost { get; private set; }

    internal int MaxTasks { get; private set; }

    internal int MaxConsecutiveFailures { get; private set; }

    internal double MaxErrorRate { get; private set; }

    internal DateTimeOffset StartedAt { get; }

    internal int Iterations { get; private set; }

    internal long Tokens { get; private set; }

    internal decimal Cost { get; private set; }

    internal int Tasks { get; private set; }

    internal int FailedTasks { get; private set; }

    internal int ConsecutiveFailures { get; private set; }

    internal int ModelCalls { get; private set; }

    internal int RemainingTasks
    {
        get
        {
            lock (_gate)
            {
                return Math.Max(0, MaxTasks - Tasks);
            }
        }
    }

    internal long RemainingTokens
    {
        get
        {
            lock (_gate)
            {
                return Math.Max(0, MaxTokens - Tokens);
            }
        }
    }

    internal decimal RemainingCost
    {
        get
        {
            lock (_gate)
            {
                return Math.Max(0, MaxCost - Cost);
            }
        }
    }

    internal TimeSpan Elapsed => _time.GetUtcNow() - StartedAt;

    internal TimeSpan RemainingWallTime => MaxWallTime - Elapsed is { } left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

    internal double ErrorRate => Tasks == 0 ? 0 : (double)FailedTasks / Tasks;

    /// <summary>Starts an iteration, or throws when a limit forbids it.</summary>
    internal int BeginIteration()
    {
        lock (_gate)
        {
            CheckAll();
            if (Iterations >= MaxIterations)
            {
                throw Reached("max_iterations", MaxIterations, $"limit max_iterations reached: {Iterations} of {MaxIterations} iterations ran");
            }

            return ++Iterations;
        }
    }

    /// <summary>Throws when a limit is reached that forbids any further effect (wall time, tokens, cost, tasks, error thresholds).</summary>
    internal void CheckAll()
    {
        lock (_gate)
        {
            if (Elapsed >= MaxWallTime)
            {
                throw Reached("max_wall_time", MaxWallTime.TotalSeconds, $"limit max_wall_time reached: {Elapsed.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s of {MaxWallTime.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s");
            }

            EnsureModelBudget();
            if (Tasks >= MaxTasks)
            {
                throw Reached("max_tasks", MaxTasks, $"limit max_tasks reached: {Tasks} of {MaxTasks} tasks ran");
            }

            CheckErrors();
        }
    }

    /// <summary>Throws when the error thresholds are reached (auto-shutdown).</summary>
    internal void CheckErrors()
    {
        lock (_gate)
        {
            if (ConsecutiveFailures >= MaxConsecutiveFailures)
            {
                throw Reached("max_consecutive_failures", MaxConsecutiveFailures, $"limit max_consecutive_failures reached: {ConsecutiveFailures} failures in a row (auto-shutdown)");
            }

            if (Tasks > 0 && ErrorRate > MaxErrorRate)
            {
                throw Reached("max_error_rate", MaxErrorRate, string.Create(CultureInfo.InvariantCulture, $"limit max_error_rate exceeded: {FailedTasks} of {Tasks} tasks failed ({ErrorRate:0.###} > {MaxErrorRate}) (auto-shutdown)"));
            }
        }
    }

    internal void EnsureModelBudget()
    {
        lock (_gate)
        {
            if (Tokens >= MaxTokens)
            {
                throw Reached("max_tokens", MaxTokens, $"limit max_tokens reached: {Tokens} of {MaxTokens} tokens used");
            }

            if (Cost > 0 && Cost >= MaxCost)
            {
                throw Reached("max_cost", (double)MaxCost, string.Create(CultureInfo.InvariantCulture, $"limit max_cost reached: ${Cost:0.####} of ${MaxCost}"));
            }
        }
    }

    internal void ChargeModel(long tokens, decimal? cost)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        lock (_gate)
        {
            ModelCalls++;
            Tokens += tokens;
            Cost += cost ?? tokens * _costPerToken;
        }
    }

    /// <summary>Throws when a plan of <paramref name="tasks"/> tasks would pass <c>max_tasks</c>.</summary>
    internal void EnsureTasksFit(int tasks)
    {
        lock (_gate)
        {
            if (Tasks + tasks > MaxTasks)
            {
                throw Reached("max_tasks", MaxTasks, $"limit max_tasks: a plan of {tasks} task(s) would pass the limit ({Tasks} of {MaxTasks} ran)");
            }
        }
    }

    internal void ChargeTasks(IterationOutcome outcome, IReadOnlyList<bool>? failedInOrder)
    {
        lock (_gate)
        {
            Tasks += outcome.TasksRun;
            FailedTasks += outcome.TasksFailed;
            if (failedInOrder is not null)
            {
                foreach (bool failed in failedInOrder)
                {
                    ConsecutiveFailures = failed ? ConsecutiveFailures + 1 : 0;
                }
            }
            else if (outcome.TasksFailed > 0)
            {
                ConsecutiveFailures = outcome.TasksSucceeded > 0 ? outcome.TasksFailed : ConsecutiveFailures + outcome.TasksFailed;
            }
            else if (outcome.TasksSucceeded > 0)
            {
                ConsecutiveFailures = 0;
            }
        }
    }

    /// <summary>An iteration that threw counts as a failure in a row.</summary>
    internal void ChargeIterationError()
    {
        lock (_gate)
        {
            ConsecutiveFailures++;
        }
    }

    /// <summary>Applies a proposed limit change when it lowers the limit; a raise is refused. Returns why.</summary>
    internal (bool Applied, string Reason) TryLower(string key, string value)
    {
        lock (_gate)
        {
            var inv = CultureInfo.InvariantCulture;
            switch (key)
            {
                case "max_iterations" when int.TryParse(value, NumberStyles.Integer, inv, out int n):
                    return Lower(n, MaxIterations, v => MaxIterations = v, Math.Max(Iterations, 0));
                case "max_tasks" when int.TryParse(value, NumberStyles.Integer, inv, out int n):
                    return Lower(n, MaxTasks, v => MaxTasks = v, 0);
                case "max_tokens" when long.TryParse(value, NumberStyles.Integer, inv, out long n):
                    return Lower(n, MaxTokens, v => MaxTokens = v, 0);
                case "max_cost" when decimal.TryParse(value, NumberStyles.Number, inv, out decimal n):
                    return Lower(n, MaxCost, v => MaxCost = v, 0m);
                case "max_consecutive_failures" when int.TryParse(value, NumberStyles.Integer, inv, out int n):
                    return Lower(n, MaxConsecutiveFailures, v => MaxConsecutiveFailures = v, 1);
                case "max_error_rate" when double.TryParse(value, NumberStyles.Float, inv, out double n):
                    return Lower(n, MaxErrorRate, v => MaxErrorRate = v, 0d);
                case "max_wall_time" when Duration.TryParse(value, out TimeSpan n):
                    return Lower(n, MaxWallTime, v => MaxWallTime = v, TimeSpan.Zero);
                default:
                    return (false, $"'{key} = {value}' is not a limit the engine may change (only lowering a [limits] value is inside the envelope)");
            }
        }

        static (bool, string) Lower<T>(T proposed, T current, Action<T> set, T floor)
            where T : IComparable<T>
        {
            if (proposed.CompareTo(current) > 0)
            {
                return (false, $"raising a limit is refused: the engine can never raise its own limits ({current} → {proposed})");
            }

            if (proposed.CompareTo(floor) < 0)
            {
                return (false, $"{proposed} is below {floor}");
            }

            set(proposed);
            return (true, $"lowered {current} → {proposed}");
        }
    }

    internal IReadOnlyList<LimitUsage> Usage()
    {
        lock (_gate)
        {
            return
            [
                new LimitUsage("max_iterations", Iterations, MaxIterations),
                new LimitUsage("max_wall_time", Math.Round(Elapsed.TotalSeconds, 3), MaxWallTime.TotalSeconds),
                new LimitUsage("max_tokens", Tokens, MaxTokens),
                new LimitUsage("max_cost", (double)Cost, (double)MaxCost),
                new LimitUsage("max_tasks", Tasks, MaxTasks),
                new LimitUsage("max_consecutive_failures", ConsecutiveFailures, MaxConsecutiveFailures),
                new LimitUsage("max_error_rate", Math.Round(ErrorRate, 4), MaxErrorRate),
            ];
        }
    }

    private static LimitReachedException Reached(string limit, double value, string message) => new(limit, value, message);
}
