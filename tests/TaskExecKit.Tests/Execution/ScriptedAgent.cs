using System.Collections.Concurrent;
using TaskExecKit.Agents;

namespace TaskExecKit.Tests.Execution;

/// <summary>A test agent whose outcome per task is scripted, and which records when each task ran.</summary>
internal sealed class ScriptedAgent : ITaskAgent
{
    private readonly Func<AgentContext, CancellationToken, ValueTask<AgentResult>> _script;
    private int _running;
    private int _maxRunning;

    public ScriptedAgent(Func<AgentContext, CancellationToken, ValueTask<AgentResult>> script) => _script = script;

    public ConcurrentQueue<string> Started { get; } = new();

    public ConcurrentDictionary<string, int> Attempts { get; } = new(StringComparer.Ordinal);

    public int MaxConcurrency => Volatile.Read(ref _maxRunning);

    public static ScriptedAgent Succeeding() => new((_, _) => new ValueTask<AgentResult>(AgentResult.Success()));

    public async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        Started.Enqueue(context.Task.Id);
        Attempts.AddOrUpdate(context.Task.Id, 1, (_, n) => n + 1);
        int now = Interlocked.Increment(ref _running);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, seen) != seen)
        {
        }

        try
        {
            return await _script(context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}
