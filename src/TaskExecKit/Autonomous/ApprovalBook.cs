using System.Globalization;

namespace TaskExecKit.Autonomous;

/// <summary>The engine's side of approvals: files a request and waits for a human's decision or the timeout.</summary>
internal sealed class ApprovalBook
{
    private readonly AutonomousStateFiles _files;
    private readonly TimeProvider _time;
    private int _sequence;

    internal ApprovalBook(AutonomousStateFiles files, TimeProvider time)
    {
        _files = files;
        _time = time;
    }

    /// <summary>Files a pending approval and returns it.</summary>
    internal PendingApproval Request(string gate, string summary, TimeSpan? timeout)
    {
        DateTimeOffset now = _time.GetUtcNow();
        string id = string.Create(CultureInfo.InvariantCulture, $"{now:yyyyMMddHHmmss}-{Interlocked.Increment(ref _sequence)}-{Guid.NewGuid().ToString("N")[..6]}");
        var approval = new PendingApproval
        {
            Id = id,
            Gate = gate,
            Summary = summary,
            RequestedAt = now,
            ExpiresAt = timeout is { } t ? now + t : null,
        };
        AutonomousStateFiles.WriteJsonAtomic(_files.ApprovalFile(id), approval, AutonomousJsonContext.Default.PendingApproval, overwrite: false);
        return approval;
    }

    /// <summary>
    /// Waits for the decision. When the approval expires first the engine records its own denial
    /// (so a late human answer is refused) and returns it.
    /// </summary>
    internal async Task<ApprovalDecision> WaitAsync(PendingApproval approval, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        string decisionFile = _files.DecisionFile(approval.Id);
        while (true)
        {
            var decision = await AutonomousStateFiles.ReadJsonAsync(decisionFile, AutonomousJsonContext.Default.ApprovalDecision, cancellationToken).ConfigureAwait(false);
            if (decision is not null)
            {
                return decision;
            }

            if (approval.ExpiresAt is { } expires && _time.GetUtcNow() >= expires)
            {
                var denial = new ApprovalDecision { Approved = false, DecidedBy = "engine", DecidedAt = _time.GetUtcNow(), Reason = "no human decided before the approval timeout (default deny)" };
                if (AutonomousStateFiles.WriteJsonAtomic(decisionFile, denial, AutonomousJsonContext.Default.ApprovalDecision, overwrite: false))
                {
                    return denial;
                }

                continue; // A human decided in the same instant: theirs wins.
            }

            await Task.Delay(pollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
