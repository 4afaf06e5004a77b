namespace TaskExecKit.Execution;

/// <summary>How a run ended as a whole.</summary>
public enum RunStatus
{
    /// <summary>Every task succeeded (or was already done).</summary>
    Succeeded,

    /// <summary>At least one task failed, timed out or was denied an effect.</summary>
    Failed,

    /// <summary>The run was cancelled (a token, Ctrl+C) before every task finished.</summary>
    Cancelled,
}

/// <summary>How one task ended.</summary>
public enum TaskRunStatus
{
    /// <summary>The task's agent reported success.</summary>
    Succeeded,

    /// <summary>The task's agent reported a failure (a command exited non-zero, the agent threw).</summary>
    Failed,

    /// <summary>The task's last attempt ran longer than its timeout and was stopped.</summary>
    TimedOut,

    /// <summary>The run was cancelled while the task ran, or before it could start.</summary>
    Cancelled,

    /// <summary>The task did not run: a task it needs did not succeed, fail-fast stopped the run, or the plan marks it done.</summary>
    Skipped,

    /// <summary>The task asked for an effect the policy does not grant.</summary>
    Denied,

    /// <summary>
    /// The task is not idempotent (<see cref="Planning.PlanTask.IsIdempotent"/> false) and was in flight when a journaled
    /// run stopped: it may or may not have done its work, so resuming did not run it again. A person checks it.
    /// </summary>
    NeedsReview,
}
