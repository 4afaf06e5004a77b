namespace TaskExecKit.Planning;

/// <summary>A plan has problems that stop it from running; <see cref="Diagnostics"/> lists every one.</summary>
public sealed class PlanValidationException : TaskExecKitException
{
    internal PlanValidationException(string source, IReadOnlyList<PlanDiagnostic> diagnostics)
        : base(FormatMessage(source, diagnostics))
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Gets every problem found, in file order.</summary>
    public IReadOnlyList<PlanDiagnostic> Diagnostics { get; }

    private static string FormatMessage(string source, IReadOnlyList<PlanDiagnostic> diagnostics)
    {
        string count = diagnostics.Count == 1 ? "1 problem" : $"{diagnostics.Count} problems";
        return $"The plan from {source} has {count}:{Environment.NewLine}  "
            + string.Join(Environment.NewLine + "  ", diagnostics);
    }
}
