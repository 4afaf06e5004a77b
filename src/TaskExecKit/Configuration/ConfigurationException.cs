using System.Globalization;
using System.Text;

namespace TaskExecKit.Configuration;

/// <summary>
/// Thrown when configuration cannot be loaded: a file is missing or malformed, a key is unknown, a
/// value has the wrong type or is out of range, a secret was put in a file, or an environment variable
/// is bad. <see cref="Problems"/> lists every problem found in one load; <see cref="File"/>,
/// <see cref="Line"/>, <see cref="Column"/> and <see cref="Key"/> describe the first. The message never
/// contains the value of a key that looks like a secret.
/// </summary>
public sealed class ConfigurationException : TaskExecKitException
{
    internal ConfigurationException(IReadOnlyList<ConfigurationProblem> problems)
        : base(FormatMessage(problems))
    {
        Problems = problems;
    }

    /// <summary>Gets every problem found, in the order the sources were read.</summary>
    public IReadOnlyList<ConfigurationProblem> Problems { get; }

    /// <summary>Gets the file of the first problem, or <see langword="null"/> for an environment variable.</summary>
    public string? File => Problems[0].File;

    /// <summary>Gets the 1-based line of the first problem, or 0 when it has no position in a file.</summary>
    public int Line => Problems[0].Line;

    /// <summary>Gets the 1-based column of the first problem, or 0 when it has no position in a file.</summary>
    public int Column => Problems[0].Column;

    /// <summary>
    /// Gets the dotted key (or environment variable name) of the first problem, or
    /// <see langword="null"/> for a syntax error.
    /// </summary>
    public string? Key => Problems[0].Key;

    private static string FormatMessage(IReadOnlyList<ConfigurationProblem> problems)
    {
        if (problems.Count == 1)
        {
            return problems[0].ToString();
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"The configuration has {problems.Count} problems: ");
        for (var i = 0; i < problems.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"({i + 1}) {problems[i]}");
            text.Append(i == problems.Count - 1 ? "" : " ");
        }

        return text.ToString();
    }
}
