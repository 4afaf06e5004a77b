using Microsoft.AspNetCore.Http;

namespace TaskExecKit.Dashboard;

/// <summary>
/// The autonomous loop as the dashboard sees it. Without the engine's control API the kill switch still works
/// through its file contract (<c>state/KILL</c>); stopping the loop and approvals answer 503.
/// </summary>
#pragma warning disable CA1822 // Instance members: they call the engine once its control API is wired in.
internal sealed class LoopEngine(DashboardState state)
{
    internal bool IsAvailable => false;

    internal Task<object?> StatusAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<object?>(null);
    }

    internal Task<string> KillAsync(string reason, CancellationToken cancellationToken) => state.Control.KillAsync(reason, cancellationToken);

    internal Task<IResult> StopAsync(bool graceful, string reason, CancellationToken cancellationToken) => Unavailable(cancellationToken);

    internal Task<IResult> ApproveAsync(string id, string by, CancellationToken cancellationToken) => Unavailable(cancellationToken);

    internal Task<IResult> RejectAsync(string id, string by, string reason, CancellationToken cancellationToken) => Unavailable(cancellationToken);

    private static Task<IResult> Unavailable(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Results.Json(new { error = "the autonomous engine's control API is not part of this build" }, statusCode: StatusCodes.Status503ServiceUnavailable));
    }
}
#pragma warning restore CA1822
