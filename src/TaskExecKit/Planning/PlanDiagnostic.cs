namespace TaskExecKit.Planning;

/// <summary>
/// One problem found in a plan: a stable code (for example <c>TEK003</c> for a cycle), a
/// message a person can act on, where it is, and the task it concerns.
/// </summary>
/// <param name="Code">The stable problem code; see <see cref="PlanDiagnosticCodes"/>.</param>
/// <param name="Message">What is wrong and, where possible, how to fix it.</param>
/// <param name="Location">Where the problem is, when the plan came from a file.</param>
/// <param name="TaskId">The task the problem concerns, if any.</param>
public sealed record PlanDiagnostic(string Code, string Message, SourceLocation? Location, string? TaskId)
{
    /// <summary>Writes the problem as <c>file:line:column: error CODE: message</c>.</summary>
    /// <returns>The problem as one line.</returns>
    public override string ToString()
        => Location is { } at ? $"{at}: error {Code}: {Message}" : $"error {Code}: {Message}";
}

/// <summary>The codes of the problems the planner reports. Codes never change meaning.</summary>
public static class PlanDiagnosticCodes
{
    /// <summary>Two tasks share an id.</summary>
    public const string DuplicateId = "TEK001";

    /// <summary>A task needs a task the plan does not have.</summary>
    public const string UnknownDependency = "TEK002";

    /// <summary>Tasks depend on each other in a cycle.</summary>
    public const string Cycle = "TEK003";

    /// <summary>A task names an agent that is not registered.</summary>
    public const string UnknownAgent = "TEK004";

    /// <summary>An effect is not written as <c>kind:target</c> with a known kind.</summary>
    public const string MalformedEffect = "TEK005";

    /// <summary>A duration is not a whole number followed by ms, s, m or h.</summary>
    public const string MalformedDuration = "TEK006";

    /// <summary>A <c>run</c> command is not a JSON array of strings or a well-quoted command line.</summary>
    public const string MalformedArgv = "TEK007";

    /// <summary>A task gives <c>run</c> to an agent that cannot run commands.</summary>
    public const string RunOnNonCommandAgent = "TEK008";

    /// <summary>A task attribute has a key the planner does not know.</summary>
    public const string UnknownAttribute = "TEK009";

    /// <summary>An attribute value is malformed (retries, ids in needs, a repeated key, an empty value).</summary>
    public const string MalformedAttribute = "TEK010";

    /// <summary>A task names a tool its agent does not have, or gives <c>tool:</c> or <c>args:</c> to an agent that runs no tools from the plan.</summary>
    public const string UnknownTool = "TEK011";

    /// <summary>A task's <c>args:</c> do not match the JSON schema of its tool.</summary>
    public const string ToolArgumentsMismatch = "TEK012";
}
