using TaskExecKit.Effects;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Execution;

/// <summary>
/// Feeds an executor's task progress and effect checks into a <see cref="TelemetrySystem"/>
/// (events, metrics and the audit trail), then passes them on to the host's own receivers.
/// </summary>
internal sealed class ExecutionTelemetry(TelemetrySystem telemetry, IProgress<TaskProgress>? progress, IEffectAuditor? auditor)
    : IProgress<TaskProgress>, IEffectAuditor
{
    public void Report(TaskProgress value)
    {
        if (value.Kind == TaskProgressKind.Started)
        {
            telemetry.RecordTaskStarted(value.TaskId, value.Agent);
        }
        else if (value.Result is { } result)
        {
            var duration = result.StartedAt is { } start && result.FinishedAt is { } end ? end - start : TimeSpan.Zero;
            telemetry.RecordTaskFinished(result.TaskId, result.Agent, Outcome(result.Status), duration, Math.Max(1, result.Attempts));
        }

        progress?.Report(value);
    }

    public void OnEffectChecked(EffectDecision decision)
    {
        telemetry.RecordEffect(decision.Requested.ToString(), decision.Requested.Target, decision.Allowed, decision.Allowed ? null : "not granted", taskId: decision.TaskId);
        auditor?.OnEffectChecked(decision);
    }

    internal static TaskOutcome Outcome(TaskRunStatus status) => status switch
    {
        TaskRunStatus.Succeeded => TaskOutcome.Succeeded,
        TaskRunStatus.TimedOut => TaskOutcome.TimedOut,
        TaskRunStatus.Cancelled => TaskOutcome.Cancelled,
        TaskRunStatus.Skipped => TaskOutcome.Skipped,
        TaskRunStatus.NeedsReview => TaskOutcome.NeedsReview,
        _ => TaskOutcome.Failed,
    };
}
