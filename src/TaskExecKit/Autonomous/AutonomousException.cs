namespace TaskExecKit.Autonomous;

/// <summary>
/// An autonomous engine or its control could not do what was asked: another engine holds the
/// runtime directory, an approval does not exist or was already decided, a state file is unreadable.
/// The message names the file or id and what to do.
/// </summary>
public sealed class AutonomousException : TaskExecKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    public AutonomousException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public AutonomousException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
