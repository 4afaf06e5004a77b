namespace TaskExecKit.Configuration;

/// <summary>Collects every problem found in one load, so they can be reported together.</summary>
internal sealed class ProblemList
{
    /// <summary>Stop collecting after this many; a badly broken file should not produce a novel.</summary>
    public const int Limit = 50;

    private readonly List<ConfigurationProblem> _problems = [];

    public int Count => _problems.Count;

    public void Add(ConfigLocation location, string? key, string message)
    {
        if (_problems.Count >= Limit)
        {
            return;
        }

        _problems.Add(location.Variable is { } variable
            ? new ConfigurationProblem(null, 0, 0, variable, message)
            : new ConfigurationProblem(location.File, location.Line, location.Column, key, message));
    }

    public void AddFile(string file, string message) => Add(ConfigLocation.InFile(file, 0, 0), null, message);

    public void ThrowIfAny()
    {
        if (_problems.Count > 0)
        {
            throw new ConfigurationException(_problems.ToArray());
        }
    }
}
