namespace TaskExecKit.Telemetry;

/// <summary>One row of the audit trail: an audited event and its place in the hash chain.</summary>
public sealed class AuditEntry
{
    /// <summary>Creates an audit entry.</summary>
    /// <param name="sequence">The 1-based position in the trail.</param>
    /// <param name="event">The audited event.</param>
    /// <param name="hash">The row's chain hash in lowercase hex, or null when the store does not chain.</param>
    public AuditEntry(long sequence, TelemetryEvent @event, string? hash)
    {
        Sequence = sequence;
        Event = @event;
        Hash = hash;
    }

    /// <summary>Gets the 1-based position in the trail.</summary>
    public long Sequence { get; }

    /// <summary>Gets the audited event.</summary>
    public TelemetryEvent Event { get; }

    /// <summary>Gets the row's chain hash in lowercase hex, or null when the store does not chain rows.</summary>
    public string? Hash { get; }
}
