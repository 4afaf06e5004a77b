namespace TaskExecKit.Agents;

/// <summary>
/// An agent that keeps state between tasks and can be pooled (<see cref="AgentRegistry.AddPooled"/>):
/// after each use the pool resets it and asks whether it is still healthy; an unhealthy one is
/// dropped (and disposed when it is disposable) and a new one is made when needed. An instance is
/// used by one task at a time.
/// </summary>
public interface IPoolableAgent : ITaskAgent
{
    /// <summary>Clears what the last task left behind and checks the agent's health.</summary>
    /// <param name="cancellationToken">Stops the reset; the agent is then dropped.</param>
    /// <returns>True when the agent is healthy and may serve another task.</returns>
    ValueTask<bool> TryResetAsync(CancellationToken cancellationToken);
}
