namespace TaskExecKit.Telemetry;

/// <summary>What a <see cref="TelemetryEvent"/> records.</summary>
public enum TelemetryEventKind
{
    /// <summary>A task started running.</summary>
    TaskStarted = 1,

    /// <summary>A task finished; <see cref="TelemetryEvent.Outcome"/>, duration and attempts say how.</summary>
    TaskFinished = 2,

    /// <summary>An effect was performed under a granted capability (audited).</summary>
    EffectPerformed = 3,

    /// <summary>An effect was denied (audited).</summary>
    EffectDenied = 4,

    /// <summary>A limit (time, attempts, tokens, cost, resources) was hit.</summary>
    LimitHit = 5,

    /// <summary>A kill switch stopped work (audited).</summary>
    KillSwitch = 6,

    /// <summary>A decision: what was decided, why and from which inputs (audited).</summary>
    Decision = 7,

    /// <summary>A configuration value changed (audited).</summary>
    ConfigurationChanged = 8,

    /// <summary>A model call: tokens and cost; its prompt and response text are not kept unless enabled.</summary>
    ModelCall = 9,

    /// <summary>A measurement of a <c>taskexeckit.*</c> instrument that another component recorded.</summary>
    Metric = 10,

    /// <summary>Tracking of an agent's performance started.</summary>
    AgentTracked = 11,

    /// <summary>
    /// An alert threshold was crossed: <see cref="TelemetryEvent.Name"/> is the alert (<c>failure_rate</c> or
    /// <c>p95_latency</c>), <see cref="TelemetryEvent.AgentId"/> the agent (null for all agents),
    /// <see cref="TelemetryEvent.Value"/> the measured value, <see cref="TelemetryEvent.Detail"/> the threshold and
    /// <see cref="TelemetryEvent.Count"/> the tasks measured.
    /// </summary>
    AlertRaised = 12,

    /// <summary>A raised alert's value dropped back to its threshold or below; the fields are those of <see cref="AlertRaised"/>.</summary>
    AlertCleared = 13,
}

/// <summary>How a task ended.</summary>
public enum TaskOutcome
{
    /// <summary>Not a task event, or the outcome is not known.</summary>
    None = 0,

    /// <summary>The task succeeded.</summary>
    Succeeded = 1,

    /// <summary>The task failed.</summary>
    Failed = 2,

    /// <summary>The task ran out of time.</summary>
    TimedOut = 3,

    /// <summary>The task was cancelled.</summary>
    Cancelled = 4,

    /// <summary>The task was skipped (for example because a dependency failed).</summary>
    Skipped = 5,

    /// <summary>The task was in flight when a run stopped and is not idempotent: resuming marked it for review instead of running it again.</summary>
    NeedsReview = 6,
}
