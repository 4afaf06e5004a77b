using System.Globalization;

namespace TaskExecKit.Planning;

/// <summary>A place in a file a plan was read from: the file, a 1-based line and a 1-based column.</summary>
/// <param name="File">The file's path as given, or null when the text came from memory.</param>
/// <param name="Line">The 1-based line.</param>
/// <param name="Column">The 1-based column.</param>
public readonly record struct SourceLocation(string? File, int Line, int Column)
{
    /// <summary>Writes the location as <c>file:line:column</c>, the form editors and terminals link.</summary>
    /// <returns>The location as text.</returns>
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{File ?? "<text>"}:{Line}:{Column}");
}
