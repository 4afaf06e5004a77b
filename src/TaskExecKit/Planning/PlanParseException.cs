namespace TaskExecKit.Planning;

/// <summary>
/// A sot.md or plan.json could not be read at all (for example broken JSON). The message is
/// one paragraph naming the file, line, column and the problem.
/// </summary>
public sealed class PlanParseException : TaskExecKitException
{
    internal PlanParseException(string? file, int line, int column, string problem, Exception? inner = null)
        : base($"{new SourceLocation(file, line, column)}: {problem}", inner)
    {
        File = file;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>Gets the file that could not be read, or null when the text came from memory.</summary>
    public string? File { get; }

    /// <summary>Gets the 1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>Gets the 1-based column of the problem.</summary>
    public int Column { get; }

    /// <summary>Gets the problem, without the location.</summary>
    public string Problem { get; }
}
