using TaskExecKit.Configuration;
using TaskExecKit.Planning;

namespace TaskExecKit.Autonomous;

/// <summary>SENSE: reads system state, telemetry, environment and pending goals into <see cref="AutonomousIteration.Observations"/>.</summary>
public interface ISensePhase
{
    /// <summary>Fills the iteration's observations.</summary>
    /// <param name="iteration">The iteration.</param>
    /// <param name="cancellationToken">Cancelled by a stop or the kill switch.</param>
    /// <returns>A task that completes when sensing is done.</returns>
    ValueTask SenseAsync(AutonomousIteration iteration, CancellationToken cancellationToken);
}

/// <summary>DECIDE: chooses what to do next and assesses its risk. Model calls report their usage through <see cref="AutonomousIteration.ReportModelUsage"/>.</summary>
public interface IDecidePhase
{
    /// <summary>Decides.</summary>
    /// <param name="iteration">The iteration, with its observations.</param>
    /// <param name="cancellationToken">Cancelled by a stop or the kill switch.</param>
    /// <returns>The decision.</returns>
    ValueTask<AutonomousDecision> DecideAsync(AutonomousIteration iteration, CancellationToken cancellationToken);
}

/// <summary>PLAN: turns the decision into a plan (planner, validator, optimizer). Null means nothing to run.</summary>
public interface IPlanPhase
{
    /// <summary>Plans.</summary>
    /// <param name="iteration">The iteration, with its decision.</param>
    /// <param name="cancellationToken">Cancelled by a stop or the kill switch.</param>
    /// <returns>The plan, or null.</returns>
    ValueTask<Plan?> PlanAsync(AutonomousIteration iteration, CancellationToken cancellationToken);
}

/// <summary>AMPLIFY: allocates workers and budgets to the plan.</summary>
public interface IAmplifyPhase
{
    /// <summary>Allocates.</summary>
    /// <param name="iteration">The iteration, with its plan.</param>
    /// <param name="cancellationToken">Cancelled by a stop or the kill switch.</param>
    /// <returns>The allocation.</returns>
    ValueTask<ResourceAllocation> AmplifyAsync(AutonomousIteration iteration, CancellationToken cancellationToken);
}

/// <summary>One GATES check that must pass before anything runs.</summary>
public interface IAutonomousGate
{
    /// <summary>Gets the gate's name, for example <c>policy</c>; it appears in decision records.</summary>
    string Name { get; }

    /// <summary>Checks the iteration's plan.</summary>
    /// <param name="iteration">The iteration, with its decision, plan and allocation.</param>
    /// <param name="cancellationToken">Cancelled by a stop or the kill switch.</param>
    /// <returns>Pass or block, with the reason.</returns>
    ValueTask<GateVerdict> CheckAsync(AutonomousIteration iteration, CancellationToken cancellationToken);
}

/// <summary>One of the independent verifiers of triple verification (seed §9.2).</summary>
public interface IPlanVerifier
{
    /// <summary>Gets the verifier's name, for example <c>rules</c>.</summary>
    string Name { get; }

    /// <summary>Verifies the iteration's plan.</summary>
    /// <param name="iteration">The iteration, with its plan.</param>
    /// <param name="cancellationToken">Cancelled by a stop or the kill switch.</param>
    /// <returns>Approve or reject, with the reason.</returns>
    ValueTask<GateVerdict> VerifyAsync(AutonomousIteration iteration, CancellationToken cancellationToken);
}

/// <summary>RUN: executes the plan. The default runs it through the CECCA hierarchy (<see cref="Hierarchy.Cecca"/>) over one <see cref="Execution.TaskExecutor"/>.</summary>
public interface IRunPhase
{
    /// <summary>Runs the plan.</summary>
    /// <param name="iteration">The iteration, with its plan and allocation.</param>
    /// <param name="cancellationToken">Cancelled by a stop, the kill switch or the wall-time limit; running work must stop.</param>
    /// <returns>What happened.</returns>
    ValueTask<IterationOutcome> RunAsync(AutonomousIteration iteration, CancellationToken cancellationToken);
}

/// <summary>SCORE: gives the iteration a number from 0 to 1.</summary>
public interface IScorePhase
{
    /// <summary>Scores.</summary>
    /// <param name="iteration">The iteration, with its outcome.</param>
    /// <param name="cancellationToken">Cancelled by a stop or the kill switch.</param>
    /// <returns>The score, from 0 to 1.</returns>
    ValueTask<double> ScoreAsync(AutonomousIteration iteration, CancellationToken cancellationToken);
}

/// <summary>OBSERVE: feeds what happened into the next SENSE (what worked, what failed).</summary>
public interface IObservePhase
{
    /// <summary>Observes.</summary>
    /// <param name="iteration">The finished iteration.</param>
    /// <param name="cancellationToken">Cancelled by a stop or the kill switch.</param>
    /// <returns>A task that completes when observing is done.</returns>
    ValueTask ObserveAsync(AutonomousIteration iteration, CancellationToken cancellationToken);
}

/// <summary>
/// The phases an engine runs, filled with the defaults before <see cref="AutonomousEngineOptions.ConfigurePhases"/>
/// is called, so a host can replace a phase or wrap the default one (a decorator).
/// </summary>
public sealed class AutonomousPhases
{
    internal AutonomousPhases(ISensePhase sense, IDecidePhase decide, IPlanPhase plan, IAmplifyPhase amplify, IRunPhase run, IScorePhase score, IObservePhase observe)
    {
        Sense = sense;
        Decide = decide;
        Plan = plan;
        Amplify = amplify;
        Run = run;
        Score = score;
        Observe = observe;
    }

    /// <summary>Gets or sets SENSE.</summary>
    public ISensePhase Sense { get; set; }

    /// <summary>Gets or sets DECIDE.</summary>
    public IDecidePhase Decide { get; set; }

    /// <summary>Gets or sets PLAN.</summary>
    public IPlanPhase Plan { get; set; }

    /// <summary>Gets or sets AMPLIFY.</summary>
    public IAmplifyPhase Amplify { get; set; }

    /// <summary>
    /// Gets the GATES, checked in order before RUN; the first that blocks stops the iteration. The defaults are
    /// <c>limits</c>, <c>policy</c>, <c>verification</c> and (when <c>require_approval</c>) <c>approval</c>.
    /// Gates may be added; the engine's own limit and envelope checks run whatever this list holds.
    /// </summary>
    public IList<IAutonomousGate> Gates { get; } = [];

    /// <summary>Gets the verifiers of the <c>verification</c> gate (by default: rules, a second model, a dry-run diff).</summary>
    public IList<IPlanVerifier> Verifiers { get; } = [];

    /// <summary>Gets or sets RUN.</summary>
    public IRunPhase Run { get; set; }

    /// <summary>Gets or sets SCORE.</summary>
    public IScorePhase Score { get; set; }

    /// <summary>Gets or sets OBSERVE.</summary>
    public IObservePhase Observe { get; set; }
}

/// <summary>What DECIDE chose to do.</summary>
public enum AutonomousAction
{
    /// <summary>Plan and run work.</summary>
    Run,

    /// <summary>Do nothing this iteration.</summary>
    Wait,

    /// <summary>Stop the engine (always allowed: stopping is safe).</summary>
    Stop,
}

/// <summary>How risky a decision is.</summary>
public enum RiskLevel
{
    /// <summary>No effect outside what ran before.</summary>
    Low,

    /// <summary>New tasks or effects inside the envelope.</summary>
    Medium,

    /// <summary>Asks for something outside the envelope (refused by the gates).</summary>
    High,
}

/// <summary>A task DECIDE proposes; PLAN turns proposals into a plan and GATES check their effects.</summary>
/// <param name="Id">The task id.</param>
/// <param name="Agent">The agent, for example <c>noop</c> or <c>shell</c>.</param>
/// <param name="Run">The command line for a shell task, or empty.</param>
/// <param name="Effects">The effects it asks for, in plan syntax (<c>process:git</c>).</param>
public sealed record ProposedTask(string Id, string Agent, IReadOnlyList<string> Run, IReadOnlyList<string> Effects);

/// <summary>What DECIDE chose, the options it considered, why, and what it proposes.</summary>
public sealed class AutonomousDecision
{
    /// <summary>Gets what to do.</summary>
    public AutonomousAction Action { get; init; }

    /// <summary>Gets why.</summary>
    public string Reason { get; init; } = string.Empty;

    /// <summary>Gets the options considered.</summary>
    public IReadOnlyList<string> Options { get; init; } = [];

    /// <summary>Gets the risk assessment.</summary>
    public RiskLevel Risk { get; init; }

    /// <summary>Gets the tasks proposed (empty: run the goal plan, if any).</summary>
    public IReadOnlyList<ProposedTask> Tasks { get; init; } = [];

    /// <summary>Gets capabilities the decision asks to be granted (always refused outside the envelope: the engine cannot grant itself anything).</summary>
    public IReadOnlyList<string> RequestedCapabilities { get; init; } = [];

    /// <summary>Gets configuration changes proposed, key to value (for example <c>max_iterations</c> → <c>5</c>); limits may only be lowered.</summary>
    public IReadOnlyDictionary<string, string> ProposedSettings { get; init; } = new Dictionary<string, string>();
}

/// <summary>What AMPLIFY allocated.</summary>
/// <param name="MaxWorkers">Workers for RUN.</param>
/// <param name="TokenBudget">Tokens RUN may spend.</param>
/// <param name="TimeBudget">Time RUN may take.</param>
public sealed record ResourceAllocation(int MaxWorkers, long TokenBudget, TimeSpan TimeBudget);

/// <summary>A gate's or verifier's answer.</summary>
/// <param name="Passed">True to let the plan through.</param>
/// <param name="Reason">Why, in one line; recorded.</param>
public sealed record GateVerdict(bool Passed, string Reason)
{
    /// <summary>A passing verdict.</summary>
    /// <param name="reason">Why.</param>
    /// <returns>The verdict.</returns>
    public static GateVerdict Pass(string reason = "ok") => new(true, reason);

    /// <summary>A blocking verdict.</summary>
    /// <param name="reason">Why.</param>
    /// <returns>The verdict.</returns>
    public static GateVerdict Block(string reason) => new(false, reason);
}

/// <summary>What RUN did.</summary>
/// <param name="TasksRun">Tasks executed (started).</param>
/// <param name="TasksSucceeded">Tasks that succeeded.</param>
/// <param name="TasksFailed">Tasks that failed, timed out or were denied.</param>
/// <param name="Detail">A short summary (task ids and reasons); fed back to SENSE as untrusted text.</param>
public sealed record IterationOutcome(int TasksRun, int TasksSucceeded, int TasksFailed, string Detail)
{
    /// <summary>Gets an outcome where nothing ran.</summary>
    public static IterationOutcome Nothing { get; } = new(0, 0, 0, "nothing ran");

    /// <summary>Gets, for each started task in finish order, whether it failed (for <c>max_consecutive_failures</c>); null when unknown.</summary>
    internal IReadOnlyList<bool>? FailureSequence { get; init; }

    /// <summary>Gets the commanders of the CECCA that ran the plan, with their budgets and what they did (empty when RUN used no hierarchy); the decision record lists them.</summary>
    public IReadOnlyList<Hierarchy.CommanderReport> Commanders { get; init; } = [];
}

/// <summary>
/// One iteration of the loop as the phases see it: the inputs, what each phase produced so far, and the
/// budget left. Phases read it and set their own result through their return value; the engine owns the rest.
/// </summary>
public sealed class AutonomousIteration
{
    private readonly LimitLedger _ledger;

    internal AutonomousIteration(int number, string goal, EngineConfig config, LimitLedger ledger, double? lastScore, DateTimeOffset startedAt)
    {
        Number = number;
        Goal = goal;
        Config = config;
        _ledger = ledger;
        LastScore = lastScore;
        StartedAt = startedAt;
    }

    /// <summary>Gets the iteration's number (1-based).</summary>
    public int Number { get; }

    /// <summary>Gets the goal the engine pursues.</summary>
    public string Goal { get; }

    /// <summary>Gets the configuration (read-only: nothing in the loop can change it).</summary>
    public EngineConfig Config { get; }

    /// <summary>Gets when the iteration started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Gets the previous iteration's score, or null for the first.</summary>
    public double? LastScore { get; }

    /// <summary>Gets what SENSE observed (key to value). Values from tool output are untrusted text.</summary>
    public IDictionary<string, string> Observations { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets DECIDE's decision, once made.</summary>
    public AutonomousDecision? Decision { get; internal set; }

    /// <summary>Gets PLAN's plan, once made (null when there is nothing to run).</summary>
    public Plan? Plan { get; internal set; }

    /// <summary>Gets AMPLIFY's allocation, once made.</summary>
    public ResourceAllocation? Allocation { get; internal set; }

    /// <summary>Gets RUN's outcome, once run.</summary>
    public IterationOutcome? Outcome { get; internal set; }

    /// <summary>Gets SCORE's score, once scored.</summary>
    public double? Score { get; internal set; }

    /// <summary>Gets the tasks the limits still allow.</summary>
    public int RemainingTasks => _ledger.RemainingTasks;

    /// <summary>Gets the tokens the limits still allow.</summary>
    public long RemainingTokens => _ledger.RemainingTokens;

    /// <summary>Gets the notes phases added (shown in the decision record).</summary>
    public IList<string> Notes { get; } = [];

    /// <summary>
    /// Charges a model call to the limits. Call it after every model call a phase makes; before a call,
    /// check <see cref="RemainingTokens"/>: the engine stops once a limit is reached, so the overshoot is at most one call.
    /// </summary>
    /// <param name="tokens">Input plus output tokens.</param>
    /// <param name="cost">Estimated cost in US dollars, or null to estimate it from the engine's price per token.</param>
    public void ReportModelUsage(long tokens, decimal? cost = null) => _ledger.ChargeModel(tokens, cost);

    /// <summary>Throws when the engine must not make another model call (token or cost limit reached).</summary>
    internal void EnsureModelBudget() => _ledger.EnsureModelBudget();
}
