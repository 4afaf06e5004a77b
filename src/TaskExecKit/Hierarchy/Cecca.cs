using TaskExecKit.Agents;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Hierarchy;

/// <summary>
/// The chief executive commander (CECCA): takes a goal and a plan, splits the plan's tasks among its
/// <see cref="ChiefCommander"/>s, and runs the whole plan through one <see cref="TaskExecutor"/>
/// (the same scheduler as any run: dependencies across commanders hold) with each task routed to
/// its commander's microagent stack. Budgets flow down: the CECCA's is split among commanders, a
/// commander never spends more than its share, and when the CECCA's own budget runs out the run
/// stops cleanly with the reason. A task that fails on a commander is, by the failure policy,
/// delegated to another commander (never one that already tried it, at most
/// <see cref="MaxDelegationDepth"/> commanders per task), re-planned, or escalated. Every split,
/// delegation and stop is recorded in the decision log.
/// </summary>
/// <example><code>
/// var cecca = Cecca.Builder()
///     .Budget(new Budget(MaxTokens: 20_000, MaxTasks: 100, MaxConcurrency: 4))
///     .Commander("build", c => c.Queues("Build").Agents(registry, "shell", "noop"))
///     .Commander("review", c => c.Queues("Review").Agents(registry, "ai"))
///     .Build();
/// CeccaResult result = await cecca.RunAsync(plan, "ship the release", cancellationToken);
/// </code></example>
public sealed class Cecca
{
    internal Cecca(CeccaOptions options) => Options = options;

    /// <summary>Gets the CECCA's name (the agent id its decisions are recorded under).</summary>
    public string Name => Options.Name;

    /// <summary>Gets the CECCA's budget.</summary>
    public Budget Budget => Options.Budget;

    /// <summary>Gets the commanders, in the order they were added, each with its budget share.</summary>
    public IReadOnlyList<ChiefCommander> Commanders => Options.Commanders;

    /// <summary>Gets how many commanders may try one task (the delegation depth limit).</summary>
    public int MaxDelegationDepth => Options.MaxDelegationDepth;

    internal CeccaOptions Options { get; }

    /// <summary>Starts a CECCA.</summary>
    /// <returns>A builder.</returns>
    public static CeccaBuilder Builder() => new();

    /// <summary>
    /// Splits the plan among the commanders and runs it to the end, until cancelled, or until the
    /// CECCA's budget runs out (then running tasks are cancelled, the rest do not start, and
    /// <see cref="CeccaResult.StopReason"/> says why).
    /// </summary>
    /// <param name="plan">The plan.</param>
    /// <param name="goal">What the run is for, in a sentence (recorded with the decisions).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The executor's result, each commander's report, the budget used and the decisions.</returns>
    /// <exception cref="PlanValidationException">The plan has problems, for example a task names an agent no commander has (the message lists the ones they have).</exception>
    public Task<CeccaResult> RunAsync(Plan plan, string goal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrWhiteSpace(goal);
        return new CeccaRun(this, goal).RunAsync(plan, cancellationToken);
    }
}

/// <summary>A built CECCA's settings.</summary>
internal sealed record CeccaOptions(
    string Name,
    Budget Budget,
    IReadOnlyList<ChiefCommander> Commanders,
    CeccaSplit Split,
    Func<PlanTask, string?>? Strategy,
    Func<CommanderFailure, FailureAction> OnFailure,
    Func<CommanderFailure, CancellationToken, ValueTask<Plan?>>? Replanner,
    int MaxDelegationDepth,
    TelemetrySystem? Telemetry,
    Action<TaskExecutorBuilder>? ConfigureExecutor,
    TimeProvider TimeProvider);
