using TaskExecKit.Agents;

namespace TaskExecKit.Execution;

/// <summary>
/// Where a ready task runs. The executor decides when a task is ready and records what happened;
/// the backend only runs one attempt of it. The default runs the agent in this process; a
/// distributed backend sends the attempt to another machine and returns its result.
/// </summary>
public interface IExecutionBackend
{
    /// <summary>Runs one attempt of a task with its agent.</summary>
    /// <param name="agent">The agent the task's <c>agent:</c> names (or the default agent).</param>
    /// <param name="context">The task, its policy, log and commands.</param>
    /// <param name="cancellationToken">Cancelled when the run is cancelled or the attempt times out.</param>
    /// <returns>The attempt's result.</returns>
    ValueTask<AgentResult> RunAsync(ITaskAgent agent, AgentContext context, CancellationToken cancellationToken);
}

/// <summary>Runs tasks in this process: calls the agent directly.</summary>
internal sealed class InProcessBackend : IExecutionBackend
{
    internal static InProcessBackend Instance { get; } = new();

    public ValueTask<AgentResult> RunAsync(ITaskAgent agent, AgentContext context, CancellationToken cancellationToken)
        => agent.RunAsync(context, cancellationToken);
}
