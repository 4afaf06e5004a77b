namespace TaskExecKit.AI;

/// <summary>
/// The bounds of one <see cref="AIAgent"/> run besides the iteration limit: total tokens (input plus
/// output, over every model call) and wall time (measured with the agent's <see cref="TimeProvider"/>).
/// A run that goes over a bound ends with <see cref="AgentResponse.StopReason"/> naming it.
/// </summary>
/// <param name="MaxTokens">The most tokens a run may use, or null for no token bound.</param>
/// <param name="MaxWallTime">The longest a run may take, or null for no time bound.</param>
public sealed record AgentBudget(long? MaxTokens = null, TimeSpan? MaxWallTime = null)
{
    /// <summary>Gets a budget with no token or time bound (the iteration limit still applies).</summary>
    public static AgentBudget Unbounded { get; } = new();
}
