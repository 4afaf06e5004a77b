namespace TaskExecKit.Agents;

/// <summary>
/// Does one task's work. The executor calls <see cref="RunAsync"/> once per attempt, inside the
/// task's timeout, with the task, its effect policy and its log in the <see cref="AgentContext"/>.
/// An agent performs effects only after <see cref="AgentContext.Demand"/> allows them, returns
/// <see cref="AgentResult.Failure"/> for an expected failure, and honours the token promptly:
/// cancellation means the run was cancelled or the attempt timed out.
/// </summary>
public interface ITaskAgent
{
    /// <summary>Runs one attempt of the task.</summary>
    /// <param name="context">The task, its policy, log, commands and attempt number.</param>
    /// <param name="cancellationToken">Cancelled when the run is cancelled or the attempt times out.</param>
    /// <returns>Whether the attempt succeeded, and what it ran.</returns>
    ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken);
}
