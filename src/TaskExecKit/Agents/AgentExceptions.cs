namespace TaskExecKit.Agents;

/// <summary>A configured OS sandbox or resource-limit tool is not available, so a command was not started.</summary>
internal sealed class SandboxUnavailableException : TaskExecKitException
{
    internal SandboxUnavailableException(string message)
        : base(message)
    {
    }
}

/// <summary>The operating system refused to start a command (for example too many processes); may succeed later.</summary>
internal sealed class CommandStartException : TaskExecKitException
{
    internal CommandStartException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public override bool IsTransient => true;
}
