using System.Globalization;

namespace TaskExecKit.Autonomous;

/// <summary>
/// Controls an autonomous engine from outside it (another process, the CLI, a dashboard) through
/// its runtime directory: the kill switch, a stop request, its status and its pending approvals.
/// Every write is atomic and safe to race with the engine and with other controls.
/// </summary>
public sealed class AutonomousControl
{
    private readonly AutonomousStateFiles _files;
    private readonly TimeProvider _time;

    /// <summary>Creates a control for the engine that runs (or ran, or will run) in a runtime directory.</summary>
    /// <param name="runtimeDirectory">The runtime directory, for example <c>runtime</c>; relative paths are resolved against the current directory.</param>
    /// <param name="timeProvider">The clock for timestamps; the system clock when null.</param>
    public AutonomousControl(string runtimeDirectory, TimeProvider? timeProvider = null)
    {
        _files = new AutonomousStateFiles(runtimeDirectory);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the full path of the runtime directory.</summary>
    public string RuntimeDirectory => _files.Root;

    /// <summary>
    /// Pulls the kill switch: writes <c>runtime/state/KILL</c> with the reason. A running engine starts no
    /// new effect once it sees the file and cancels running work; no engine starts while the file exists.
    /// Delete the file to allow a new start.
    /// </summary>
    /// <param name="reason">Why; recorded in the audit trail.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the file is written.</returns>
    public Task KillAsync(string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        cancellationToken.ThrowIfCancellationRequested();
        string text = string.Create(CultureInfo.InvariantCulture, $"{OneLine(reason)}\nrequested at {_time.GetUtcNow():O}\n");
        AutonomousStateFiles.WriteAtomic(_files.KillFile, AutonomousStateFiles.Utf8(text));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Asks the running engine to stop: writes <c>runtime/state/STOP</c>. Graceful lets the current iteration
    /// finish and stops before the next one; otherwise running work is cancelled at once.
    /// </summary>
    /// <param name="graceful">True to finish the current iteration first.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the file is written.</returns>
    public Task RequestStopAsync(bool graceful, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string text = string.Create(CultureInfo.InvariantCulture, $"{(graceful ? "graceful" : "immediate")}\nrequested at {_time.GetUtcNow():O}\n");
        AutonomousStateFiles.WriteAtomic(_files.StopFile, AutonomousStateFiles.Utf8(text));
        return Task.CompletedTask;
    }

    /// <summary>Reads the status the engine writes after every phase (<c>runtime/state/status.json</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The status, or null when no engine ever ran in this runtime directory.</returns>
    /// <exception cref="AutonomousException">The status file is unreadable.</exception>
    public Task<AutonomousStatus?> GetStatusAsync(CancellationToken cancellationToken = default)
        => AutonomousStateFiles.ReadJsonAsync(_files.StatusFile, AutonomousJsonContext.Default.AutonomousStatus, cancellationToken);

    /// <summary>Lists the approvals the engine waits for and nobody has decided yet, oldest first.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The pending approvals.</returns>
    public async Task<IReadOnlyList<PendingApproval>> GetPendingApprovalsAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(_files.Approvals))
        {
            return [];
        }

        var pending = new List<PendingApproval>();
        foreach (string file in Directory.EnumerateFiles(_files.Approvals, "*.json"))
        {
            string name = Path.GetFileName(file);
            if (name.EndsWith(".decision.json", StringComparison.Ordinal) || name.Contains(".tmp-", StringComparison.Ordinal))
            {
                continue;
            }

            string id = name[..^".json".Length];
            if (File.Exists(_files.DecisionFile(id)))
            {
                continue;
            }

            var approval = await AutonomousStateFiles.ReadJsonAsync(file, AutonomousJsonContext.Default.PendingApproval, cancellationToken).ConfigureAwait(false);
            if (approval is not null)
            {
                pending.Add(approval);
            }
        }

        pending.Sort((a, b) => a.RequestedAt != b.RequestedAt ? a.RequestedAt.CompareTo(b.RequestedAt) : string.CompareOrdinal(a.Id, b.Id));
        return pending;
    }

    /// <summary>Approves a pending approval. The first decision wins; a second one is refused.</summary>
    /// <param name="approvalId">The approval's id.</param>
    /// <param name="decidedBy">Who decided; recorded with the decision.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the decision is stored.</returns>
    /// <exception cref="AutonomousException">No such approval, or it was already decided (or expired).</exception>
    public Task ApproveAsync(string approvalId, string decidedBy, CancellationToken cancellationToken = default)
        => DecideAsync(approvalId, approved: true, decidedBy, reason: null, cancellationToken);

    /// <summary>Rejects a pending approval. The first decision wins; a second one is refused.</summary>
    /// <param name="approvalId">The approval's id.</param>
    /// <param name="decidedBy">Who decided; recorded with the decision.</param>
    /// <param name="reason">Why, if given.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the decision is stored.</returns>
    /// <exception cref="AutonomousException">No such approval, or it was already decided (or expired).</exception>
    public Task RejectAsync(string approvalId, string decidedBy, string? reason, CancellationToken cancellationToken = default)
        => DecideAsync(approvalId, approved: false, decidedBy, reason, cancellationToken);

    private Task DecideAsync(string approvalId, bool approved, string decidedBy, string? reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(decidedBy);
        cancellationToken.ThrowIfCancellationRequested();
        string request = _files.ApprovalFile(approvalId);
        if (!File.Exists(request))
        {
            throw new AutonomousException($"No approval '{approvalId}' in {_files.Approvals}; `autonomous status --detailed` lists the pending ones.");
        }

        var decision = new ApprovalDecision { Approved = approved, DecidedBy = decidedBy, DecidedAt = _time.GetUtcNow(), Reason = reason };
        if (!AutonomousStateFiles.WriteJsonAtomic(_files.DecisionFile(approvalId), decision, AutonomousJsonContext.Default.ApprovalDecision, overwrite: false))
        {
            throw new AutonomousException($"Approval '{approvalId}' was already decided (or expired); a decision cannot be changed.");
        }

        return Task.CompletedTask;
    }

    private static string OneLine(string text)
    {
        string trimmed = text.ReplaceLineEndings(" ").Trim();
        return trimmed.Length == 0 ? "kill requested" : trimmed;
    }
}
