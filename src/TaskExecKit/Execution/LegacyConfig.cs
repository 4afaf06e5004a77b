using System.Text.Json;
using TaskExecKit.Agents;

namespace TaskExecKit.Execution;

/// <summary>
/// The legacy kit's configuration: <c>hooks.json</c> (a task id or a full queue name → the
/// commands to run for it, each an argv with an optional cwd) and <c>manifest.json</c> (agent
/// layers and the default agent of each; unknown keys are ignored). Both are optional.
/// </summary>
internal sealed class LegacyConfig
{
    internal static readonly LegacyConfig Empty = new(new Dictionary<string, IReadOnlyList<AgentCommand>>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal));

    private LegacyConfig(Dictionary<string, IReadOnlyList<AgentCommand>> hooks, Dictionary<string, string> layerAgents)
    {
        Hooks = hooks;
        LayerAgents = layerAgents;
    }

    /// <summary>Gets the commands by task id or queue name.</summary>
    internal IReadOnlyDictionary<string, IReadOnlyList<AgentCommand>> Hooks { get; }

    /// <summary>Gets the default agent by layer name.</summary>
    internal IReadOnlyDictionary<string, string> LayerAgents { get; }

    internal static LegacyConfig Load(string? directory)
    {
        if (directory is null)
        {
            return Empty;
        }

        string hooksPath = Path.Combine(directory, "hooks.json");
        string manifestPath = Path.Combine(directory, "manifest.json");
        var hooks = File.Exists(hooksPath) ? ReadHooks(hooksPath) : new Dictionary<string, IReadOnlyList<AgentCommand>>(StringComparer.Ordinal);
        var agents = File.Exists(manifestPath) ? ReadManifest(manifestPath) : new Dictionary<string, string>(StringComparer.Ordinal);
        return new LegacyConfig(hooks, agents);
    }

    internal static Dictionary<string, IReadOnlyList<AgentCommand>> ReadHooks(string path)
    {
        using var document = Parse(path);
        var hooks = new Dictionary<string, IReadOnlyList<AgentCommand>>(StringComparer.Ordinal);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigFileException(path, "the top level must be an object mapping a task id or a queue name to { \"commands\": [...] }");
        }

        foreach (var entry in document.RootElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object || !entry.Value.TryGetProperty("commands", out var commands) || commands.ValueKind != JsonValueKind.Array)
            {
                throw new ConfigFileException(path, $"entry '{entry.Name}' must be an object with a \"commands\" array");
            }

            var list = new List<AgentCommand>();
            int index = 0;
            foreach (var command in commands.EnumerateArray())
            {
                index++;
                list.Add(ReadCommand(path, entry.Name, index, command));
            }

            hooks[entry.Name] = list;
        }

        return hooks;
    }

    private static AgentCommand ReadCommand(string path, string entry, int index, JsonElement command)
    {
        string where = $"entry '{entry}', command {index}";
        if (command.ValueKind != JsonValueKind.Object || !command.TryGetProperty("cmd", out var cmd) || cmd.ValueKind != JsonValueKind.Array)
        {
            throw new ConfigFileException(path, $"{where}: a command is an object with \"cmd\": an array of strings (the program and its arguments)");
        }

        var argv = new List<string>();
        foreach (var item in cmd.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new ConfigFileException(path, $"{where}: every item of \"cmd\" must be a string, but item {argv.Count + 1} is a {item.ValueKind.ToString().ToLowerInvariant()}");
            }

            argv.Add(item.GetString()!);
        }

        if (argv.Count == 0 || argv[0].Length == 0 || argv.Exists(a => a.Contains('\0', StringComparison.Ordinal)))
        {
            throw new ConfigFileException(path, $"{where}: \"cmd\" must name a program as its first item and hold no NUL characters");
        }

        string? cwd = null;
        if (command.TryGetProperty("cwd", out var cwdElement) && cwdElement.ValueKind != JsonValueKind.Null)
        {
            cwd = cwdElement.ValueKind == JsonValueKind.String && cwdElement.GetString() is { Length: > 0 } text
                ? text
                : throw new ConfigFileException(path, $"{where}: \"cwd\" must be a non-empty string");
        }

        return new AgentCommand(argv, cwd);
    }

    /// <summary>
    /// Reads the default agent of each layer. Accepted shapes: <c>{"layer": "agent"}</c>,
    /// <c>{"layer": {"agent": "name"}}</c> (or <c>default_agent</c>), either one level under
    /// <c>"layers"</c> or <c>"agents"</c>. Anything else is kept in the file and ignored here.
    /// </summary>
    internal static Dictionary<string, string> ReadManifest(string path)
    {
        using var document = Parse(path);
        var agents = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new ConfigFileException(path, "the top level must be an object naming the agent layers");
        }

        Collect(document.RootElement, agents, nested: true);
        return agents;
    }

    private static void Collect(JsonElement element, Dictionary<string, string> agents, bool nested)
    {
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String when property.Value.GetString() is { Length: > 0 } agent:
                    agents.TryAdd(property.Name, agent);
                    break;
                case JsonValueKind.Object when nested && property.Name is "layers" or "agents":
                    Collect(property.Value, agents, nested: false);
                    break;
                case JsonValueKind.Object:
                    foreach (string key in (string[])["agent", "default_agent", "default"])
                    {
                        if (property.Value.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } name)
                        {
                            agents.TryAdd(property.Name, name);
                            break;
                        }
                    }

                    break;
                default:
                    break;
            }
        }
    }

    private static JsonDocument Parse(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigFileException(path, $"it cannot be read ({ex.Message})", ex);
        }

        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            long line = (ex.LineNumber ?? 0) + 1;
            long column = (ex.BytePositionInLine ?? 0) + 1;
            string problem = ex.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.', ' ');
            throw new ConfigFileException($"{path}:{line}:{column}", $"it is not valid JSON: {problem}", ex);
        }
    }
}

/// <summary>A configuration file (config/hooks.json, config/manifest.json) cannot be used; the message names the file and the problem.</summary>
internal sealed class ConfigFileException : TaskExecKitException
{
    internal ConfigFileException(string where, string problem, Exception? inner = null)
        : base($"{where}: {problem}.", inner)
    {
    }
}
