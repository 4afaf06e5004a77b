using System.Collections.Concurrent;

namespace TaskExecKit.Agents;

/// <summary>
/// Reusable instances of one agent kind: at most <see cref="MaxSize"/> exist at once (renters wait
/// for one to come back), idle ones are kept for the next use, each is reset and health-checked
/// between uses.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The pool lives as long as its registry; its semaphore has no wait handle to free unless AvailableWaitHandle is used, which it is not.")]
internal sealed class AgentPool
{
    private readonly Func<ITaskAgent> _factory;
    private readonly ConcurrentStack<ITaskAgent> _idle = new();
    private readonly SemaphoreSlim _slots;

    internal AgentPool(string name, Func<ITaskAgent> factory, int maxSize)
    {
        Name = name;
        _factory = factory;
        MaxSize = maxSize;
        _slots = new SemaphoreSlim(maxSize, maxSize);
    }

    internal string Name { get; }

    internal int MaxSize { get; }

    internal int IdleCount => _idle.Count;

    internal int Created => Volatile.Read(ref _created);

    private int _created;

    internal ValueTask<ITaskAgent> RentAsync(CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            return new ValueTask<ITaskAgent>(TakeOrCreate());
        }

        return WaitAsync(cancellationToken);
    }

    internal async ValueTask ReturnAsync(ITaskAgent agent)
    {
        bool healthy;
        try
        {
            healthy = agent is not IPoolableAgent poolable || await poolable.TryResetAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            healthy = false;
        }

        if (healthy)
        {
            _idle.Push(agent);
        }
        else
        {
            await DropAsync(agent).ConfigureAwait(false);
        }

        _slots.Release();
    }

    private async ValueTask<ITaskAgent> WaitAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return TakeOrCreate();
    }

    private ITaskAgent TakeOrCreate()
    {
        if (_idle.TryPop(out var agent))
        {
            return agent;
        }

        try
        {
            agent = _factory() ?? throw new InvalidOperationException($"The factory registered for agent '{Name}' returned null.");
            Interlocked.Increment(ref _created);
            return agent;
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    private static async ValueTask DropAsync(ITaskAgent agent)
    {
        switch (agent)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}

/// <summary>What the executor gets for a pooled agent: each attempt rents an instance, runs it and gives it back.</summary>
internal sealed class PooledAgent(AgentPool pool) : ITaskAgent
{
    public async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        var agent = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await agent.RunAsync(context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await pool.ReturnAsync(agent).ConfigureAwait(false);
        }
    }
}
