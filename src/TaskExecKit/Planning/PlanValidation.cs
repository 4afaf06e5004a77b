namespace TaskExecKit.Planning;

/// <summary>The result of checking a plan: every problem found, in file order.</summary>
public sealed class PlanValidation
{
    internal PlanValidation(IReadOnlyList<PlanDiagnostic> diagnostics) => Diagnostics = diagnostics;

    /// <summary>Gets a value indicating whether the plan has no problems.</summary>
    public bool IsValid => Diagnostics.Count == 0;

    /// <summary>Gets every problem found, in file order.</summary>
    public IReadOnlyList<PlanDiagnostic> Diagnostics { get; }

    /// <summary>Writes each problem on its own line, or "valid".</summary>
    /// <returns>The problems as text.</returns>
    public override string ToString() => IsValid ? "valid" : string.Join(Environment.NewLine, Diagnostics);
}
