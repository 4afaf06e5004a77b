namespace TaskExecKit.Effects;

/// <summary>
/// An agent asked for an effect no grant allows: the task fails with this exception and the
/// denial is recorded. <see cref="Capability"/> names what was asked for. Never transient:
/// asking again is denied again.
/// </summary>
public sealed class EffectDeniedException : TaskExecKitException
{
    internal EffectDeniedException(Capability capability, string? taskId, string? resolved)
        : base(FormatMessage(capability, taskId, resolved))
    {
        Capability = capability;
        TaskId = taskId;
    }

    /// <summary>Gets the capability that was asked for and denied.</summary>
    public Capability Capability { get; }

    /// <summary>Gets the id of the task that asked, or null when the check was made outside a task.</summary>
    public string? TaskId { get; }

    private static string FormatMessage(Capability capability, string? taskId, string? resolved)
    {
        string who = taskId is null ? "The effect" : $"Task {taskId} asked for the effect";
        string where = resolved is not null && !string.Equals(resolved, capability.Target, StringComparison.Ordinal)
            ? $" (resolved to {resolved})"
            : string.Empty;
        return $"{who} {capability}{where}, which no grant allows, so it was denied. "
            + "Grant it in the configuration, in the task's effects: or from the host application if the task should have it.";
    }
}
