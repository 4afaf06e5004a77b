using System.Globalization;

namespace TaskExecKit.Configuration;

/// <summary>Collects every problem found in one load, so they can be reported together.</summary>
internal sealed class ProblemList
{
    /// <summary>Stop collecting after this many; a badly broken file should not produce a novel.</summary>
    public const int Limit = 50;

    private readonly List<ConfigurationProblem> _problems = [];
    private int _omitted;

    public int Count => _problems.Count + _omitted;

    public void Add(ConfigLocation location, string? key, string message)
    {
        if (_problems.Count >= Limit)
        {
            _omitted++;
            return;
        }

        // One paragraph: no line breaks or other control characters from the input.
        message = string.Create(message.Length, message, static (span, text) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                span[i] = char.IsControl(text[i]) ? ' ' : text[i];
            }
        });

        _problems.Add(location.Variable is { } variable
            ? new ConfigurationProblem(null, 0, 0, variable, message)
            : new ConfigurationProblem(location.File, location.Line, location.Column, key, message));
    }

    public void AddFile(string file, string message) => Add(ConfigLocation.InFile(file, 0, 0), null, message);

    public void ThrowIfAny()
    {
        if (_problems.Count > 0)
        {
            throw ToException();
        }
    }

    public ConfigurationException ToException()
    {
        var problems = new List<ConfigurationProblem>(_problems);
        if (_omitted > 0)
        {
            problems.Add(new ConfigurationProblem(null, 0, 0, null, string.Create(CultureInfo.InvariantCulture, $"{_omitted} more problems were found and not listed")));
        }

        return new ConfigurationException(problems.ToArray());
    }
}
