namespace TaskExecKit.Configuration;

/// <summary>
/// The engine's configuration: typed sections loaded from the TOML files of a configuration folder,
/// overridden by an environment file and then by <c>TASKEXECKIT__SECTION__KEY</c> environment
/// variables. Immutable once loaded. Use <see cref="Default"/> when there are no files at all.
/// </summary>
/// <example>
/// <code>
/// var config = EngineConfig.Load("config");
/// Console.WriteLine(config.Core.MaxWorkers);
/// </code>
/// </example>
public sealed class EngineConfig
{
    internal EngineConfig()
    {
    }

    /// <summary>
    /// Gets a new configuration with every default and no files, environment or overrides.
    /// </summary>
    public static EngineConfig Default => new();

    /// <summary>Gets how the engine runs tasks (<c>core.toml</c>).</summary>
    public CoreSettings Core { get; } = new();

    /// <summary>Gets how autonomous operation cycles and when it stops (<c>autonomous.toml</c>).</summary>
    public AutonomousSettings Autonomous { get; } = new();

    /// <summary>Gets the model provider settings (<c>ai.toml</c>).</summary>
    public AISettings AI { get; } = new();

    /// <summary>
    /// Gets the named agents (<c>agents/*.toml</c> and <c>[agents.&lt;name&gt;]</c> tables), by name,
    /// ignoring case. Empty by default.
    /// </summary>
    public IReadOnlyDictionary<string, AgentSettings> Agents { get; internal set; } =
        new Dictionary<string, AgentSettings>(StringComparer.OrdinalIgnoreCase).AsReadOnly();

    /// <summary>Gets what is recorded about runs (<c>telemetry.toml</c>).</summary>
    public TelemetrySettings Telemetry { get; } = new();

    /// <summary>Gets the safety controls (<c>safety.toml</c>).</summary>
    public SafetySettings Safety { get; } = new();

    /// <summary>
    /// Gets the name of the environment whose file was applied, or <see langword="null"/> when none was.
    /// </summary>
    public string? Environment { get; internal set; }

    /// <summary>Gets the paths of the files that were read, in the order they were applied.</summary>
    public IReadOnlyList<string> Sources { get; internal set; } = [];

    /// <summary>
    /// Gets the full path of the folder's <c>hierarchy.toml</c> (the CECCA hierarchy, read by
    /// <c>CeccaBuilder.Configure</c> with an agent catalog; the autonomous engine's RUN phase uses it),
    /// or <see langword="null"/> when the folder has none.
    /// </summary>
    public string? HierarchyFile { get; internal set; }

    /// <summary>
    /// Loads configuration from a folder or a single file, then applies the environment file and
    /// environment variables.
    /// </summary>
    /// <param name="path">
    /// A configuration folder holding any of <c>core.toml</c>, <c>autonomous.toml</c>, <c>ai.toml</c>,
    /// <c>telemetry.toml</c>, <c>safety.toml</c>, <c>hierarchy.toml</c> (recorded in <see cref="HierarchyFile"/>), <c>agents/*.toml</c> and <c>environments/*.toml</c>
    /// (missing files keep their defaults); or a single TOML file with <c>[core]</c>, <c>[ai]</c>,
    /// <c>[agents.&lt;name&gt;]</c>, ... tables. A single file named like a section file
    /// (for example <c>core.toml</c>) holds that section's keys at the top level.
    /// </param>
    /// <param name="options">The environment to apply and where environment variables come from.</param>
    /// <returns>The loaded, validated configuration.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="ConfigurationException">
    /// The path does not exist, or a file or environment variable is malformed, unknown, of the wrong
    /// type or out of range. Every problem found is listed in <see cref="ConfigurationException.Problems"/>.
    /// </exception>
    public static EngineConfig Load(string path, EngineConfigLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new EngineConfigLoader(options ?? new EngineConfigLoadOptions()).Load(path);
    }
}
