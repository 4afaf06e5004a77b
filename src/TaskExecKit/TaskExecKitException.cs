namespace TaskExecKit;

/// <summary>
/// The base of every exception TaskExecKit throws on purpose. Catch this to handle any
/// library error; check <see cref="IsTransient"/> to decide whether trying again can help.
/// </summary>
public abstract class TaskExecKitException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong, in one paragraph a person can act on.</param>
    protected TaskExecKitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong, in one paragraph a person can act on.</param>
    /// <param name="innerException">The underlying cause.</param>
    protected TaskExecKitException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Gets a value indicating whether the same operation may succeed if tried again
    /// (a timeout, a busy resource). Bad input is never transient.
    /// </summary>
    public virtual bool IsTransient => false;
}
