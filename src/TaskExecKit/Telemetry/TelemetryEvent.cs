namespace TaskExecKit.Telemetry;

/// <summary>
/// One recorded fact. A small value type so that recording it allocates nothing; what the
/// generic fields mean depends on <see cref="Kind"/>:
/// <list type="bullet">
/// <item><see cref="TelemetryEventKind.TaskFinished"/>: <see cref="Value"/> is the duration in milliseconds, <see cref="Count"/> the attempts.</item>
/// <item><see cref="TelemetryEventKind.EffectPerformed"/>/<see cref="TelemetryEventKind.EffectDenied"/>: <see cref="Name"/> is the capability, <see cref="Detail"/> the target, <see cref="Reason"/> why it was denied.</item>
/// <item><see cref="TelemetryEventKind.Decision"/>: <see cref="Name"/> is what was decided, <see cref="Reason"/> why, <see cref="Detail"/> the inputs.</item>
/// <item><see cref="TelemetryEventKind.LimitHit"/>: <see cref="Name"/> is the limit, <see cref="Value"/> its value.</item>
/// <item><see cref="TelemetryEventKind.ConfigurationChanged"/>: <see cref="Name"/> is the key, <see cref="Detail"/> the new value (redacted).</item>
/// <item><see cref="TelemetryEventKind.ModelCall"/>: <see cref="Name"/> is the model, <see cref="Count"/> the tokens, <see cref="Value"/> the cost, <see cref="Detail"/> the prompt/response text (dropped unless captured).</item>
/// <item><see cref="TelemetryEventKind.Metric"/>: <see cref="Name"/> is the instrument, <see cref="Value"/> the measurement.</item>
/// </list>
/// </summary>
public readonly record struct TelemetryEvent
{
    /// <summary>Gets what the event records.</summary>
    public TelemetryEventKind Kind { get; init; }

    /// <summary>Gets when it happened (from the telemetry system's <see cref="TimeProvider"/>).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the agent involved, if any.</summary>
    public string? AgentId { get; init; }

    /// <summary>Gets the task involved, if any.</summary>
    public string? TaskId { get; init; }

    /// <summary>Gets the subject: capability, decision, limit, configuration key, model or instrument.</summary>
    public string? Name { get; init; }

    /// <summary>Gets why: the reason for a denial or a decision.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets the detail: a target, a decision's inputs, a new configuration value.</summary>
    public string? Detail { get; init; }

    /// <summary>Gets the numeric value (a duration in milliseconds, a cost, a measurement).</summary>
    public double Value { get; init; }

    /// <summary>Gets the count (attempts, tokens, queue depth).</summary>
    public long Count { get; init; }

    /// <summary>Gets how a task ended; <see cref="TaskOutcome.None"/> for other kinds.</summary>
    public TaskOutcome Outcome { get; init; }

    /// <summary>Gets a value indicating whether events of this kind belong in the audit trail.</summary>
    public bool IsAudited => IsAuditedKind(Kind);

    internal static bool IsAuditedKind(TelemetryEventKind kind) => kind is TelemetryEventKind.EffectPerformed
        or TelemetryEventKind.EffectDenied
        or TelemetryEventKind.Decision
        or TelemetryEventKind.ConfigurationChanged
        or TelemetryEventKind.KillSwitch;
}
