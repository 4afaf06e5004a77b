using System.Collections.Concurrent;
using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Agents.Composition;

/// <summary>Helpers: run one plan with a registry, and a counting agent.</summary>
internal static class AgentTestKit
{
    public static async Task<RunResult> RunAsync(Plan plan, AgentRegistry registry, IEffectAuditor? auditor = null, Action<TaskExecutorBuilder>? configure = null)
    {
        var builder = TaskExecutor.Builder().Agents(registry).RetryDelay(TimeSpan.Zero).MaxWorkers(2);
        if (auditor is not null)
        {
            builder.Auditor(auditor);
        }

        configure?.Invoke(builder);
        await using var executor = builder.Build();
        return await executor.RunAsync(plan, CancellationToken.None);
    }

    public static TaskRunResult Task(RunResult result, string id) => result.TryGetTask(id, out var task) ? task : throw new InvalidOperationException(id);
}

internal sealed class CountingAgent(bool succeed = true, bool transient = false, long tokensPerRun = 0) : ITaskAgent
{
    private int _runs;

    public int Runs => Volatile.Read(ref _runs);

    public ConcurrentQueue<string> Tasks { get; } = new();

    public ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _runs);
        Tasks.Enqueue(context.Task.Id);
        if (tokensPerRun > 0)
        {
            context.ReportUsage(tokensPerRun);
        }

        return new(succeed ? AgentResult.Success() : AgentResult.Failure("scripted failure", isTransient: transient));
    }
}

internal sealed class RecordingAuditor : IEffectAuditor
{
    public ConcurrentQueue<EffectDecision> Decisions { get; } = new();

    public void OnEffectChecked(EffectDecision decision) => Decisions.Enqueue(decision);
}
