using System.Text.RegularExpressions;

namespace TaskExecKit.AI;

/// <summary>
/// One rule of the offline provider (<see cref="AIProvider.Offline"/>): when the latest user message
/// matches <see cref="Pattern"/>, answer with <see cref="Text"/>, or ask for the tool
/// <see cref="ToolName"/> with <see cref="Arguments"/>. The first matching rule wins. In argument
/// values, <c>${name}</c> is replaced by the pattern's named group of that name.
/// </summary>
public sealed class OfflineRule
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private OfflineRule(string pattern, string? text, string? toolName, IReadOnlyDictionary<string, object?> arguments)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        Pattern = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeout);
        Text = text;
        ToolName = toolName;
        Arguments = arguments;
    }

    /// <summary>Gets the pattern matched against the latest user message (case-insensitive).</summary>
    public Regex Pattern { get; }

    /// <summary>Gets the text answered, or null for a tool rule.</summary>
    public string? Text { get; }

    /// <summary>Gets the tool asked for, or null for a text rule.</summary>
    public string? ToolName { get; }

    /// <summary>Gets the arguments passed to the tool; empty for a text rule.</summary>
    public IReadOnlyDictionary<string, object?> Arguments { get; }

    /// <summary>A rule that answers with fixed text.</summary>
    /// <param name="pattern">A regular expression matched against the latest user message.</param>
    /// <param name="text">The answer.</param>
    /// <returns>The rule.</returns>
    public static OfflineRule Respond(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new OfflineRule(pattern, text, null, new Dictionary<string, object?>());
    }

    /// <summary>A rule that asks for a tool call; the tool's result is then answered as text.</summary>
    /// <param name="pattern">A regular expression matched against the latest user message.</param>
    /// <param name="toolName">The tool's name, e.g. <c>file_read</c>.</param>
    /// <param name="arguments">The arguments; string values (and strings in arrays) may use <c>${group}</c>.</param>
    /// <returns>The rule.</returns>
    public static OfflineRule CallTool(string pattern, string toolName, IReadOnlyDictionary<string, object?>? arguments = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(toolName);
        return new OfflineRule(pattern, null, toolName, new Dictionary<string, object?>(arguments ?? new Dictionary<string, object?>(), StringComparer.Ordinal));
    }

    /// <summary>Gets the rules the offline provider uses when none are given: greet, list files, read a file, git status.</summary>
    public static IReadOnlyList<OfflineRule> Defaults { get; } =
    [
        Respond(@"^\s*(hello|hi|hey)\b", "Hello. I am the offline provider: I follow fixed rules and do not reason."),
        CallTool(@"\bread (?:the )?file (?<path>\S+)", "file_read", new Dictionary<string, object?> { ["path"] = "${path}" }),
        CallTool(@"\blist (?:the )?files(?: in (?<path>\S+))?", "file_list", new Dictionary<string, object?> { ["path"] = "${path}" }),
        CallTool(@"\bgit status\b", "shell_run", new Dictionary<string, object?> { ["command"] = "git", ["args"] = new[] { "status", "--short" } }),
    ];

    /// <summary>Builds the tool arguments for a match, replacing <c>${group}</c> in strings; an empty group becomes <c>.</c> for a path.</summary>
    internal Dictionary<string, object?> ArgumentsFor(Match match)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in Arguments)
        {
            result[key] = value switch
            {
                string s => Substitute(key, s, match),
                IEnumerable<string> list => list.Select(item => Substitute(key, item, match)).ToArray(),
                _ => value,
            };
        }

        return result;
    }

    private string Substitute(string key, string value, Match match)
    {
        string replaced = value;
        foreach (string group in Pattern.GetGroupNames())
        {
            replaced = replaced.Replace("${" + group + "}", match.Groups[group].Value, StringComparison.Ordinal);
        }

        return replaced.Length == 0 && key == "path" ? "." : replaced;
    }
}
