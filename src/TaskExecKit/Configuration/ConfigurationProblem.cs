using System.Globalization;

namespace TaskExecKit.Configuration;

/// <summary>
/// One problem found while loading configuration: where it is and what is wrong. The text never
/// contains the value of a key that looks like a secret.
/// </summary>
public sealed class ConfigurationProblem
{
    internal ConfigurationProblem(string? file, int line, int column, string? key, string message)
    {
        File = file;
        Line = line;
        Column = column;
        Key = key;
        Message = message;
    }

    /// <summary>
    /// Gets the path of the file with the problem, as it was reached from the path given to
    /// <see cref="EngineConfig.Load(string, EngineConfigLoadOptions?)"/>, or <see langword="null"/>
    /// when the problem is in an environment variable.
    /// </summary>
    public string? File { get; }

    /// <summary>Gets the 1-based line of the problem, or 0 when it has no position in a file.</summary>
    public int Line { get; }

    /// <summary>Gets the 1-based column of the problem, or 0 when it has no position in a file.</summary>
    public int Column { get; }

    /// <summary>
    /// Gets the dotted key with the problem (for example <c>core.max_workers</c>), the name of the
    /// environment variable with the problem, or <see langword="null"/> for a syntax error.
    /// </summary>
    public string? Key { get; }

    /// <summary>Gets what is wrong, without the location.</summary>
    public string Message { get; }

    /// <summary>Returns the problem as <c>file(line,column): message</c>.</summary>
    /// <returns>The location followed by the message.</returns>
    public override string ToString()
    {
        if (File is null)
        {
            return Key is null ? Message : string.Create(CultureInfo.InvariantCulture, $"environment variable {Key}: {Message}");
        }

        return Line > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{File}:{Line}:{Column}: {Message}")
            : string.Create(CultureInfo.InvariantCulture, $"{File}: {Message}");
    }
}
