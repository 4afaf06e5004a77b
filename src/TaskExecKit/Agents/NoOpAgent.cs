namespace TaskExecKit.Agents;

/// <summary>The <c>noop</c> agent: succeeds at once without doing anything. Registered by default.</summary>
public sealed class NoOpAgent : ITaskAgent
{
    /// <inheritdoc />
    public ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return cancellationToken.IsCancellationRequested
            ? ValueTask.FromCanceled<AgentResult>(cancellationToken)
            : new ValueTask<AgentResult>(AgentResult.Success());
    }
}
