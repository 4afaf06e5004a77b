using System.Collections;

namespace TaskExecKit.Configuration;

/// <summary>
/// Reads the configuration sources in order — the files of a folder (or one file), the environment
/// file, then <c>TASKEXECKIT__SECTION__KEY</c> variables — collecting every problem before throwing.
/// </summary>
internal sealed class EngineConfigLoader(EngineConfigLoadOptions options)
{
    internal const string VariablePrefix = "TASKEXECKIT__";
    internal const string EnvironmentVariable = "TASKEXECKIT_ENVIRONMENT";
    private const long MaxFileBytes = 1024 * 1024;

    /// <summary>The section files of a configuration folder, in the order they are applied.</summary>
    private static readonly string[] SectionFiles = ["core.toml", "autonomous.toml", "ai.toml", "telemetry.toml", "safety.toml"];

    /// <summary>The CECCA hierarchy of a configuration folder: recorded, read by the hierarchy itself (it needs the agent catalog).</summary>
    private const string HierarchyFile = "hierarchy.toml";

    private readonly ProblemList _problems = new();
    private readonly LoadState _state = new();
    private readonly List<string> _sources = [];
    private ConfigBinder? _binder;

    private ConfigBinder Binder => _binder ??= new ConfigBinder(_problems, _state);

    public EngineConfig Load(string path)
    {
        var variables = options.EnvironmentVariables ?? ReadProcessEnvironment();

        string directory;
        if (Directory.Exists(path))
        {
            LoadDirectory(path);
            directory = path;
        }
        else if (File.Exists(path))
        {
            LoadSingleFile(path);
            directory = Path.GetDirectoryName(path) is { Length: > 0 } parent ? parent : ".";
        }
        else
        {
            _problems.AddFile(path, "the configuration path does not exist; pass a configuration folder or a .toml file, or use EngineConfig.Default for no files");
            throw _problems.ToException();
        }

        var environment = ChooseEnvironment(variables);
        if (environment is not null)
        {
            var file = Path.Combine(directory, "environments", environment + ".toml");
            if (File.Exists(file))
            {
                if (ReadFile(file) is { } root)
                {
                    Binder.BindRoot(root);
                }
            }
            else
            {
                _problems.AddFile(file, $"the environment '{environment}' was chosen but its file does not exist");
            }
        }

        ApplyVariables(variables);
        _problems.ThrowIfAny();
        return _state.Complete(environment, _sources.ToArray());
    }

    private void LoadDirectory(string directory)
    {
        string[] files;
        string[] agentFiles = [];
        try
        {
            files = Directory.GetFiles(directory, "*.toml", SearchOption.TopDirectoryOnly);
            var agents = Path.Combine(directory, "agents");
            if (Directory.Exists(agents))
            {
                agentFiles = Directory.GetFiles(agents, "*.toml", SearchOption.TopDirectoryOnly);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _problems.AddFile(directory, $"the configuration folder cannot be read: {ex.Message}");
            return;
        }

        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (string.Equals(name, HierarchyFile, StringComparison.OrdinalIgnoreCase))
            {
                _state.Config.HierarchyFile = Path.GetFullPath(file);
            }
            else if (!SectionFiles.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                _problems.AddFile(file, $"unknown configuration file '{name}'; known files: {string.Join(", ", SectionFiles)}, {HierarchyFile}, agents/<name>.toml and environments/<name>.toml");
            }
        }

        foreach (var section in SectionFiles)
        {
            var file = files.FirstOrDefault(f => string.Equals(Path.GetFileName(f), section, StringComparison.OrdinalIgnoreCase));
            if (file is not null && ReadFile(file) is { } root)
            {
                BindSectionFile(section, root);
            }

            if (section == "ai.toml")
            {
                // Agents come after ai.toml, as the design's hierarchy lists them.
                foreach (var agentFile in agentFiles.Order(StringComparer.Ordinal))
                {
                    if (ReadFile(agentFile) is { } agent)
                    {
                        Binder.BindAgent(Path.GetFileNameWithoutExtension(agentFile), agent);
                    }
                }
            }
        }

        if (_state.Config.HierarchyFile is { } hierarchy)
        {
            _sources.Add(hierarchy);
        }
    }

    private void LoadSingleFile(string file)
    {
        if (ReadFile(file) is not { } root)
        {
            return;
        }

        var name = Path.GetFileName(file);
        var section = SectionFiles.FirstOrDefault(s => string.Equals(s, name, StringComparison.OrdinalIgnoreCase));
        if (section is not null)
        {
            BindSectionFile(section, root);
        }
        else if (string.Equals(Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file))), "agents", StringComparison.OrdinalIgnoreCase))
        {
            Binder.BindAgent(Path.GetFileNameWithoutExtension(file), root);
        }
        else
        {
            Binder.BindRoot(root);
        }
    }

    private void BindSectionFile(string section, ConfigNode root)
    {
        switch (section)
        {
            case "core.toml":
                Binder.BindCore(root);
                break;
            case "autonomous.toml":
                Binder.BindAutonomous(root);
                break;
            case "ai.toml":
                Binder.BindAI(root);
                break;
            case "telemetry.toml":
                Binder.BindTelemetry(root);
                break;
            default:
                Binder.BindSafety(root);
                break;
        }
    }

    private ConfigNode? ReadFile(string file)
    {
        string text;
        try
        {
            if (new FileInfo(file).Length > MaxFileBytes)
            {
                _problems.AddFile(file, "the file is larger than 1 MiB; configuration files are expected to be small");
                return null;
            }

            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _problems.AddFile(file, $"the file cannot be read: {ex.Message}");
            return null;
        }

        _sources.Add(file);
        return TomlTreeReader.Read(text, file, _problems);
    }

    private string? ChooseEnvironment(IReadOnlyDictionary<string, string> variables)
    {
        string? name;
        string origin;
        if (options.Environment is not null)
        {
            name = options.Environment;
            origin = "EngineConfigLoadOptions.Environment";
        }
        else
        {
            name = variables.FirstOrDefault(pair => string.Equals(pair.Key, EnvironmentVariable, StringComparison.OrdinalIgnoreCase)).Value;
            origin = EnvironmentVariable;
        }

        name = name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        if (!ConfigBinder.NamePatternAnyCase().IsMatch(name))
        {
            _problems.Add(ConfigLocation.InVariable(origin), null, "the environment name must be letters, digits, '-' or '_' (at most 64)");
            return null;
        }

        return name;
    }

    private void ApplyVariables(IReadOnlyDictionary<string, string> variables)
    {
        var root = ConfigNode.Table(ConfigLocation.InVariable(VariablePrefix));
        foreach (var (name, value) in variables.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (name is null || !name.StartsWith(VariablePrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var location = ConfigLocation.InVariable(name);
            var parts = name[VariablePrefix.Length..].ToLowerInvariant().Split("__");
            if (parts.Length < 2 || parts.Any(part => part.Length == 0))
            {
                _problems.Add(location, null, "the variable name must have the form TASKEXECKIT__SECTION__KEY (for example TASKEXECKIT__CORE__MAX_WORKERS)");
                continue;
            }

            var table = root;
            for (var i = 0; i < parts.Length - 1 && table is not null; i++)
            {
                if (!table.Children!.TryGetValue(parts[i], out var next))
                {
                    next = ConfigNode.Table(location);
                    table.Children.Add(parts[i], next);
                }

                table = next.Kind == ConfigNodeKind.Table ? next : null;
            }

            if (table is null || !table.Children!.TryAdd(parts[^1], ConfigNode.Leaf(ConfigNodeKind.EnvironmentText, location, value ?? "")))
            {
                _problems.Add(location, null, "the variable conflicts with another TASKEXECKIT__ variable for the same key");
            }
        }

        Binder.BindRoot(root);
    }

    private static Dictionary<string, string> ReadProcessEnvironment()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && entry.Value is string value
                && name.StartsWith("TASKEXECKIT", StringComparison.OrdinalIgnoreCase))
            {
                variables[name] = value;
            }
        }

        return variables;
    }
}
