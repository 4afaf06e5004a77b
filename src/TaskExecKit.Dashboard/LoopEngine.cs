using Microsoft.AspNetCore.Http;
using TaskExecKit.Autonomous;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Dashboard;

/// <summary>
/// The autonomous loop as the dashboard sees it, through the engine's control contract
/// (<see cref="AutonomousControl"/> over <c>runtime/state</c>): status, scores, limits and pending approvals to read;
/// kill, stop, approve and reject to act. Every action is audited through the telemetry system.
/// </summary>
internal sealed class LoopEngine(DashboardState state)
{
    private readonly AutonomousControl _control = new(state.RuntimeDirectory, state.Options.TimeProvider);

    internal static bool IsAvailable => true;

    internal async Task<object?> StatusAsync(CancellationToken cancellationToken)
    {
        AutonomousStatus? status;
        IReadOnlyList<PendingApproval> approvals;
        try
        {
            status = await _control.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            approvals = await _control.GetPendingApprovalsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AutonomousException ex)
        {
            return new { error = ex.Message };
        }

        if (status is null && approvals.Count == 0)
        {
            return null;
        }

        return new
        {
            phase = status?.Phase.ToString(),
            iteration = status?.Iteration,
            lastScore = status?.LastScore,
            running = status?.Running ?? false,
            startedAt = status?.StartedAt,
            updatedAt = status?.UpdatedAt,
            stopReason = status?.StopReason,
            stopRequested = File.Exists(Path.Combine(state.StateDirectory, "STOP")),
            scores = (status?.Scores ?? []).Select(s => new { iteration = s.Iteration, score = s.Score }).ToList(),
            limitsUsed = (status?.LimitsUsed ?? []).Select(l => new { name = l.Name, used = l.Used, maximum = l.Maximum, fraction = l.Fraction }).ToList(),
            approvals = approvals.Select(a => new { id = a.Id, gate = a.Gate, summary = a.Summary, requestedAt = a.RequestedAt, expiresAt = a.ExpiresAt }).ToList(),
        };
    }

    internal async Task<string> KillAsync(string reason, CancellationToken cancellationToken)
    {
        await _control.KillAsync(reason, cancellationToken).ConfigureAwait(false);
        return await state.Control.AuditAsync(new TelemetryEvent { Kind = TelemetryEventKind.KillSwitch, Reason = "dashboard: " + reason }, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<IResult> StopAsync(bool graceful, string reason, CancellationToken cancellationToken)
    {
        await _control.RequestStopAsync(graceful, cancellationToken).ConfigureAwait(false);
        string audit = await state.Control.AuditAsync(new TelemetryEvent
        {
            Kind = TelemetryEventKind.Decision,
            Name = graceful ? "loop stop requested (graceful)" : "loop stop requested (immediate)",
            Reason = "dashboard: " + reason,
            Detail = "state/STOP written",
        }, cancellationToken).ConfigureAwait(false);
        return Results.Json(new { stop = graceful ? "graceful" : "immediate", audit });
    }

    internal Task<IResult> ApproveAsync(string id, string by, CancellationToken cancellationToken) =>
        DecideAsync(id, approved: true, by, reason: null, cancellationToken);

    internal Task<IResult> RejectAsync(string id, string by, string reason, CancellationToken cancellationToken) =>
        DecideAsync(id, approved: false, by, reason, cancellationToken);

    private async Task<IResult> DecideAsync(string id, bool approved, string by, string? reason, CancellationToken cancellationToken)
    {
        try
        {
            if (approved)
            {
                await _control.ApproveAsync(id, by, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _control.RejectAsync(id, by, reason, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (AutonomousException ex)
        {
            return Results.Json(new { error = ex.Message }, statusCode: StatusCodes.Status409Conflict);
        }
        catch (ArgumentException ex)
        {
            return Results.Json(new { error = ex.Message }, statusCode: StatusCodes.Status400BadRequest);
        }

        string audit = await state.Control.AuditAsync(new TelemetryEvent
        {
            Kind = TelemetryEventKind.Decision,
            Name = $"approval {id} {(approved ? "approved" : "rejected")}",
            Reason = reason is null ? (approved ? "approved" : "rejected") + " from the dashboard" : "dashboard: " + reason,
            Detail = "decided by " + by,
        }, cancellationToken).ConfigureAwait(false);
        return Results.Json(new { approval = id, decision = approved ? "approved" : "rejected", audit });
    }
}
