using Microsoft.Extensions.AI;
using TaskExecKit.Agents;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Autonomous;

/// <summary>How a host runs an <see cref="AutonomousEngine"/>: its phases, clock, telemetry, runtime directory and models.</summary>
public sealed class AutonomousEngineOptions
{
    /// <summary>Gets or sets the goal the engine pursues (given to DECIDE). Defaults to a short description of the goal plan or "keep the system healthy".</summary>
    public string? Goal { get; set; }

    /// <summary>Gets or sets the plan RUN executes when DECIDE proposes no tasks of its own. When null, one harmless <c>noop</c> check runs.</summary>
    public Plan? GoalPlan { get; set; }

    /// <summary>Gets or sets the runtime directory (state, checkpoints, approvals, telemetry). Defaults to <c>core.runtime_dir</c> of the configuration.</summary>
    public string? RuntimeDirectory { get; set; }

    /// <summary>Gets or sets the working directory tasks run in and effect paths are resolved against. Defaults to the current directory.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Gets or sets where run evidence goes. Defaults to <c>core.runs_dir</c>.</summary>
    public string? RunsDirectory { get; set; }

    /// <summary>
    /// Gets or sets the agents plans may name: the catalog RUN's CECCA takes its commanders' stacks from (the default
    /// hierarchy gives every commander all of them; <c>hierarchy.toml</c> names them) and the dry-run verifier checks
    /// against. Defaults to <see cref="AgentRegistry.CreateDefault"/> (<c>noop</c>, <c>shell</c>) plus the configuration's
    /// <c>agents/*.toml</c> (<see cref="AgentRegistryConfigExtensions.AddFromConfig"/>), as <c>run</c> has; through DI, the
    /// container's <see cref="AgentRegistry"/> when there is one.
    /// </summary>
    public AgentRegistry? Agents { get; set; }

    /// <summary>Gets or sets the clock. Defaults to the system clock.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the telemetry the engine records into (decision records, limits, kill switches). When null the engine creates one under the runtime directory and disposes it.</summary>
    public TelemetrySystem? Telemetry { get; set; }

    /// <summary>Gets or sets the model DECIDE asks. When null the <c>ai.toml</c> provider is used (the offline provider by default).</summary>
    public IChatClient? ChatClient { get; set; }

    /// <summary>Gets or sets the second, independent model the verification gate asks. When null the <c>ai.toml</c> provider is used.</summary>
    public IChatClient? VerifierChatClient { get; set; }

    /// <summary>Gets or sets how many verifiers must approve a plan (0 to the number of verifiers). Defaults to 3: all three must agree.</summary>
    public int VerificationQuorum { get; set; } = 3;

    /// <summary>Gets or sets how long an approval waits for a human before it is denied. Defaults to 5 minutes.</summary>
    public TimeSpan ApprovalTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the estimated model price in US dollars per million tokens, for <c>max_cost</c>, used for model calls whose cost is not known (the agent's price table has no price for the model). Defaults to 0 (the offline provider is free).</summary>
    public decimal CostPerMillionTokens { get; set; }

    /// <summary>Gets or sets how much a score may drop below the best so far before the iteration is rolled back. Defaults to 0.5; a negative value turns rollback on regression off.</summary>
    public double RegressionTolerance { get; set; } = 0.5;

    /// <summary>Gets or sets the pause between iterations, overriding <c>cycle_interval</c> (it may only be shorter or equal). Null keeps the configuration's.</summary>
    public TimeSpan? CycleInterval { get; set; }

    /// <summary>Gets or sets the least time between two writes of <c>status.json</c> while running (it is always written at start, at the end of each iteration and at stop). Defaults to 50 ms.</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Gets or sets how often the kill switch and stop files are looked at. Defaults to 20 ms; the check runs on the system clock whatever <see cref="TimeProvider"/> is.</summary>
    public TimeSpan KillSwitchPollInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Gets or sets a value indicating whether a checkpoint is taken before each RUN. On by default.</summary>
    public bool Checkpoints { get; set; } = true;

    /// <summary>Gets or sets a callback that replaces or decorates phases, gates and verifiers; they hold the defaults when it is called.</summary>
    public Action<AutonomousPhases>? ConfigurePhases { get; set; }

    internal void Validate()
    {
        if (VerificationQuorum < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(VerificationQuorum), VerificationQuorum, "AutonomousEngineOptions.VerificationQuorum must be 0 or more.");
        }

        if (ApprovalTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ApprovalTimeout), ApprovalTimeout, "AutonomousEngineOptions.ApprovalTimeout must be positive: with no human the default is deny after it.");
        }

        if (KillSwitchPollInterval <= TimeSpan.Zero || KillSwitchPollInterval > TimeSpan.FromMilliseconds(50))
        {
            throw new ArgumentOutOfRangeException(nameof(KillSwitchPollInterval), KillSwitchPollInterval, "AutonomousEngineOptions.KillSwitchPollInterval must be between 0 and 50 ms (no new effect may start 50 ms after the kill switch).");
        }

        if (CostPerMillionTokens < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CostPerMillionTokens), CostPerMillionTokens, "AutonomousEngineOptions.CostPerMillionTokens must not be negative.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
