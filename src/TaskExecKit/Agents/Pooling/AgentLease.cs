namespace TaskExecKit.Agents;

/// <summary>
/// An agent spawned by <see cref="AgentRegistry.SpawnAsync"/> for one use. Dispose it when done: a
/// pooled agent is then reset, health-checked and returned to its pool.
/// </summary>
public sealed class AgentLease : IAsyncDisposable
{
    private readonly AgentPool? _pool;
    private int _disposed;

    internal AgentLease(string name, ITaskAgent agent, AgentPool? pool)
    {
        Name = name;
        Agent = agent;
        _pool = pool;
    }

    /// <summary>Gets the name the agent was registered under.</summary>
    public string Name { get; }

    /// <summary>Gets the agent.</summary>
    public ITaskAgent Agent { get; }

    /// <summary>Gets a value indicating whether the agent came from a pool.</summary>
    public bool IsPooled => _pool is not null;

    /// <summary>Returns a pooled agent to its pool (after a reset and health check); does nothing for others.</summary>
    /// <returns>A task that completes when the agent is back.</returns>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _pool is null)
        {
            return ValueTask.CompletedTask;
        }

        return _pool.ReturnAsync(Agent);
    }
}
