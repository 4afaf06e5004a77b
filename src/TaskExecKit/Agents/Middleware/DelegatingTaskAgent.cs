namespace TaskExecKit.Agents;

/// <summary>
/// An agent that passes every attempt to an inner agent: derive from it to add behaviour around any
/// agent (logging, telemetry, budgets, retries), as <c>DelegatingChatClient</c> does for chat clients.
/// Compose them with <see cref="TaskAgentBuilder.Use(Func{ITaskAgent, ITaskAgent})"/>. It wraps
/// <see cref="ITaskAgent"/>, the one interface the executor and the hierarchy call, so it applies to
/// every kind of agent: shell, tool, composite, and AI agents (which run as task agents).
/// </summary>
public abstract class DelegatingTaskAgent : ITaskAgent
{
    /// <summary>Wraps an agent.</summary>
    /// <param name="innerAgent">The agent attempts are passed to.</param>
    protected DelegatingTaskAgent(ITaskAgent innerAgent)
    {
        ArgumentNullException.ThrowIfNull(innerAgent);
        InnerAgent = innerAgent;
    }

    /// <summary>Gets the wrapped agent.</summary>
    protected ITaskAgent InnerAgent { get; }

    /// <summary>Runs the attempt with the inner agent; override to add behaviour around it.</summary>
    /// <param name="context">The task's context.</param>
    /// <param name="cancellationToken">Cancelled when the run is cancelled or the attempt times out.</param>
    /// <returns>The inner agent's result.</returns>
    public virtual ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
        => InnerAgent.RunAsync(context, cancellationToken);
}
