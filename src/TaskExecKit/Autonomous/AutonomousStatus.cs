namespace TaskExecKit.Autonomous;

/// <summary>The phase an autonomous engine is in.</summary>
public enum AutonomousPhase
{
    /// <summary>Created, not started.</summary>
    Idle = 0,

    /// <summary>SENSE: reading system state, telemetry, environment and pending goals.</summary>
    Sense,

    /// <summary>DECIDE: choosing what to do next, with a risk assessment.</summary>
    Decide,

    /// <summary>PLAN: turning the decision into a validated, optimized plan.</summary>
    Plan,

    /// <summary>AMPLIFY: allocating workers and budgets.</summary>
    Amplify,

    /// <summary>GATES: safety checks, verification and approval before anything runs.</summary>
    Gates,

    /// <summary>RUN: executing the plan.</summary>
    Run,

    /// <summary>SCORE: giving the iteration a number.</summary>
    Score,

    /// <summary>OBSERVE: feeding what happened into the next SENSE.</summary>
    Observe,

    /// <summary>Waiting for the next cycle.</summary>
    Waiting,

    /// <summary>Stopped; <see cref="AutonomousStatus.StopReason"/> says why.</summary>
    Stopped,
}

/// <summary>
/// A snapshot of a running (or finished) autonomous engine, as written to
/// <c>runtime/state/status.json</c> after every phase and read by <see cref="AutonomousControl.GetStatusAsync"/>.
/// </summary>
public sealed class AutonomousStatus
{
    /// <summary>Gets the phase the engine is in.</summary>
    public AutonomousPhase Phase { get; init; }

    /// <summary>Gets the current iteration (1-based; 0 before the first one starts).</summary>
    public int Iteration { get; init; }

    /// <summary>Gets the score of the last finished iteration, or null before the first one.</summary>
    public double? LastScore { get; init; }

    /// <summary>Gets the scores of the most recent iterations, oldest first (at most 50).</summary>
    public IReadOnlyList<IterationScore> Scores { get; init; } = [];

    /// <summary>Gets how much of each limit is used, one entry per <c>[limits]</c> key.</summary>
    public IReadOnlyList<LimitUsage> LimitsUsed { get; init; } = [];

    /// <summary>Gets a value indicating whether the engine is running.</summary>
    public bool Running { get; init; }

    /// <summary>Gets when the engine started, or null if it never did.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Gets when this snapshot was written.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets why the engine stopped (for example <c>limit max_iterations reached</c>), or null while it runs.</summary>
    public string? StopReason { get; init; }

    /// <summary>Gets the id of the process running the engine, when known.</summary>
    public int? ProcessId { get; init; }
}

/// <summary>The score one iteration earned.</summary>
/// <param name="Iteration">The iteration (1-based).</param>
/// <param name="Score">The score, from 0 to 1.</param>
public sealed record IterationScore(int Iteration, double Score);

/// <summary>How much of one limit is used.</summary>
/// <param name="Name">The limit's key in <c>autonomous.toml</c>, for example <c>max_iterations</c>.</param>
/// <param name="Used">How much is used (seconds for <c>max_wall_time</c>, a fraction for <c>max_error_rate</c>).</param>
/// <param name="Maximum">The limit, in the same unit.</param>
public sealed record LimitUsage(string Name, double Used, double Maximum)
{
    /// <summary>Gets the share of the limit used, from 0 (nothing) to 1 or more (reached).</summary>
    public double Fraction => Maximum <= 0 ? (Used > 0 ? 1 : 0) : Used / Maximum;
}

/// <summary>An approval a gate waits for, as stored under <c>runtime/state/approvals/</c>.</summary>
public sealed class PendingApproval
{
    /// <summary>Gets the approval's id (letters, digits, <c>-</c> and <c>_</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the gate that asks, for example <c>approval</c>.</summary>
    public required string Gate { get; init; }

    /// <summary>Gets what is to be approved, in one paragraph.</summary>
    public required string Summary { get; init; }

    /// <summary>Gets when it was requested.</summary>
    public DateTimeOffset RequestedAt { get; init; }

    /// <summary>Gets when the engine stops waiting and denies it, or null if it waits for as long as it runs.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
