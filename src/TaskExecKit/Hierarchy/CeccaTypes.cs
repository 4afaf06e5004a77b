using TaskExecKit.Agents;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Hierarchy;

/// <summary>How a <see cref="Cecca"/> splits a plan's tasks among its commanders.</summary>
public enum CeccaSplit
{
    /// <summary>A task goes to the commander that lists its queue, else the one that lists its layer, else the first commander whose stack has its agent.</summary>
    Auto,

    /// <summary>A task goes to the commander that lists its queue (else the first commander whose stack has its agent).</summary>
    Queue,

    /// <summary>A task goes to the commander that lists its layer (else the first commander whose stack has its agent).</summary>
    Layer,
}

/// <summary>What the CECCA does about a task that failed on a commander.</summary>
public enum FailureAction
{
    /// <summary>Hand the task to another commander whose stack has the agent and whose budget is not spent (never one that already tried it).</summary>
    RetryElsewhere,

    /// <summary>Ask the host's re-planner for a replacement sub-plan and run it through the same executor; the task succeeds when the sub-plan does.</summary>
    Replan,

    /// <summary>Accept the failure: the task fails, the tasks that need it are skipped, and the reason goes up to the host.</summary>
    Escalate,
}

/// <summary>A task that failed on a commander, as the CECCA's failure policy sees it.</summary>
/// <param name="Task">The task.</param>
/// <param name="Agent">The agent name the task runs on.</param>
/// <param name="Commander">The commander it failed on.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="TriedCommanders">The commanders that tried it so far, in order (the delegation path).</param>
/// <param name="BudgetExhausted">True when the commander's budget was spent rather than the agent failing.</param>
public sealed record CommanderFailure(PlanTask Task, string Agent, string Commander, string Error, IReadOnlyList<string> TriedCommanders, bool BudgetExhausted);

/// <summary>One decision the CECCA made, as recorded in the decision log (<c>TelemetrySystem.RecordDecision</c>).</summary>
/// <param name="Decision">What was decided: <c>cecca.split</c>, <c>cecca.delegate</c>, <c>cecca.replan</c>, <c>cecca.escalate</c>, <c>cecca.stop</c>.</param>
/// <param name="Reason">Why.</param>
/// <param name="TaskId">The task, when the decision is about one.</param>
/// <param name="Commander">The commander it was about (for a delegation: the new one).</param>
public sealed record CeccaDecision(string Decision, string Reason, string? TaskId, string? Commander);

/// <summary>What one commander did in a run, reported up to the CECCA.</summary>
/// <param name="Name">The commander.</param>
/// <param name="Budget">Its share of the CECCA's budget.</param>
/// <param name="Usage">What it spent.</param>
/// <param name="Assigned">Tasks the split gave it.</param>
/// <param name="Succeeded">Tasks that succeeded on it (including ones delegated to it).</param>
/// <param name="Failed">Attempts that failed on it.</param>
/// <param name="ExhaustedReason">Why its budget ran out, or null.</param>
public sealed record CommanderReport(string Name, Budget Budget, BudgetUsage Usage, int Assigned, int Succeeded, int Failed, string? ExhaustedReason);

/// <summary>What a <see cref="Cecca"/> run did: the executor's run, each commander's report, the budget used and every decision.</summary>
public sealed class CeccaResult
{
    internal CeccaResult(string goal, RunResult run, IReadOnlyList<CommanderReport> commanders, BudgetUsage usage, Budget budget, string? stopReason, IReadOnlyList<CeccaDecision> decisions, IReadOnlyDictionary<string, string> ranOn)
    {
        Goal = goal;
        Run = run;
        Commanders = commanders;
        Usage = usage;
        Budget = budget;
        StopReason = stopReason;
        Decisions = decisions;
        RanOn = ranOn;
    }

    /// <summary>Gets the goal the run was given.</summary>
    public string Goal { get; }

    /// <summary>Gets the executor's result: every task's outcome.</summary>
    public RunResult Run { get; }

    /// <summary>Gets a value indicating whether every task succeeded.</summary>
    public bool Succeeded => Run.Status == RunStatus.Succeeded;

    /// <summary>Gets each commander's report, in the order they were added.</summary>
    public IReadOnlyList<CommanderReport> Commanders { get; }

    /// <summary>Gets what the whole run spent.</summary>
    public BudgetUsage Usage { get; }

    /// <summary>Gets the CECCA's budget.</summary>
    public Budget Budget { get; }

    /// <summary>Gets why the run was stopped early (the CECCA's budget ran out), or null when it was not.</summary>
    public string? StopReason { get; }

    /// <summary>Gets every decision, in the order made.</summary>
    public IReadOnlyList<CeccaDecision> Decisions { get; }

    /// <summary>Gets, per task id, the commander that last ran the task.</summary>
    public IReadOnlyDictionary<string, string> RanOn { get; }
}
