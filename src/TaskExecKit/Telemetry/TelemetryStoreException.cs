namespace TaskExecKit.Telemetry;

/// <summary>
/// A telemetry store could not be opened, read or written: a corrupted, locked or newer-schema
/// database, or an audit trail that does not match its external chain head. The store's files
/// are left exactly as they were.
/// </summary>
public sealed class TelemetryStoreException : TaskExecKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="isTransient">Whether trying again may help (for example a lock held by another process).</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    public TelemetryStoreException(string message, bool isTransient = false, Exception? innerException = null)
        : base(message, innerException)
    {
        Transient = isTransient;
    }

    private bool Transient { get; }

    /// <inheritdoc />
    public override bool IsTransient => Transient;
}
