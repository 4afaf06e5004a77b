namespace TaskExecKit.Effects;

/// <summary>
/// Receives every effect check an agent makes through its context, allowed or denied, so a host
/// can keep an audit trail. Called on the thread that made the check; keep it quick and never throw.
/// </summary>
public interface IEffectAuditor
{
    /// <summary>Records one check.</summary>
    /// <param name="decision">What was asked for, by which task, and whether it was allowed.</param>
    void OnEffectChecked(EffectDecision decision);
}

/// <summary>One effect check: which task asked for what, and whether the policy allowed it.</summary>
/// <param name="TaskId">The task that asked, or null outside a task.</param>
/// <param name="Requested">The capability asked for.</param>
/// <param name="Allowed">True when a grant allowed it.</param>
public readonly record struct EffectDecision(string? TaskId, Capability Requested, bool Allowed);
