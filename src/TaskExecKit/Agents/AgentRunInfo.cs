using TaskExecKit.Effects;

namespace TaskExecKit.Agents;

/// <summary>What every task of a run shares in its <see cref="AgentContext"/>.</summary>
internal sealed class AgentRunInfo(string runId, string workingDirectory, TimeProvider timeProvider, IEffectAuditor? auditor)
{
    public string RunId { get; } = runId;

    public string WorkingDirectory { get; } = workingDirectory;

    public TimeProvider TimeProvider { get; } = timeProvider;

    public IEffectAuditor? Auditor { get; } = auditor;
}
