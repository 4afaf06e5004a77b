namespace TaskExecKit.AI;

/// <summary>
/// The bounds of one <see cref="AIAgent"/> run besides the iteration limit: total tokens (input plus
/// output, over every model call), wall time (measured with the agent's <see cref="TimeProvider"/>) and
/// estimated cost (priced with the agent's <see cref="AIPriceTable"/>).
/// A run that goes over a bound ends with <see cref="AgentResponse.StopReason"/> naming it.
/// </summary>
/// <param name="MaxTokens">The most tokens a run may use, or null for no token bound.</param>
/// <param name="MaxWallTime">The longest a run may take, or null for no time bound.</param>
/// <param name="MaxCost">
/// The most estimated cost a run may spend, in the price table's unit (US dollars for
/// <see cref="AIPriceTable.Default"/>), or null for no cost bound. Checked after each model call, so a
/// run goes over by at most one call; a model call whose cost is unknown (no price) also ends the run,
/// since the bound could not be kept.
/// </param>
public sealed record AgentBudget(long? MaxTokens = null, TimeSpan? MaxWallTime = null, decimal? MaxCost = null)
{
    /// <summary>Gets a budget with no token, time or cost bound (the iteration limit still applies).</summary>
    public static AgentBudget Unbounded { get; } = new();
}
