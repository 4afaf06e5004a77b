namespace TaskExecKit.Telemetry;

/// <summary>One model call, as <see cref="TelemetrySystem.RecordModelCall(in ModelCallRecord)"/> records it. Holds no prompt or response text.</summary>
/// <param name="AgentId">The agent that called.</param>
/// <param name="Provider">The provider that answered, e.g. <c>offline</c>.</param>
/// <param name="Model">The model that answered.</param>
/// <param name="InputTokens">Tokens sent.</param>
/// <param name="OutputTokens">Tokens produced.</param>
/// <param name="Latency">How long the call took.</param>
/// <param name="TaskId">The task, if any.</param>
public readonly record struct ModelCallRecord(string AgentId, string Provider, string Model, long InputTokens, long OutputTokens, TimeSpan Latency, string? TaskId = null)
{
    /// <summary>Gets the call's estimated cost (from the agent's price table), or null when the model has no price.</summary>
    public decimal? CostEstimate { get; init; }
}
