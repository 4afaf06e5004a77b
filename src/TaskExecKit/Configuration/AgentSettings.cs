namespace TaskExecKit.Configuration;

/// <summary>
/// The settings of one named agent. Read from <c>agents/&lt;name&gt;.toml</c> or an
/// <c>[agents.&lt;name&gt;]</c> table. Immutable once loaded.
/// </summary>
public sealed class AgentSettings
{
    private static readonly IReadOnlyDictionary<string, string> NoSettings =
        new Dictionary<string, string>(StringComparer.Ordinal).AsReadOnly();

    internal AgentSettings(string name)
    {
        Name = name;
        Kind = name;
    }

    /// <summary>Gets the agent's name: the file name without <c>.toml</c>, or the table name.</summary>
    public string Name { get; }

    /// <summary>
    /// Gets the kind of agent to create (<c>kind</c>), such as <c>shell</c> or <c>ai</c>.
    /// Defaults to the agent's name.
    /// </summary>
    public string Kind { get; internal set; }

    /// <summary>
    /// Gets how many instances of the agent may work at the same time (<c>pool_size</c>). Defaults to 1.
    /// </summary>
    public int PoolSize { get; internal set; } = 1;

    /// <summary>
    /// Gets how long one task may run on this agent (<c>timeout</c>), or <see langword="null"/> to use
    /// <see cref="CoreSettings.DefaultTimeout"/>.
    /// </summary>
    public TimeSpan? Timeout { get; internal set; }

    /// <summary>
    /// Gets how many times a failed task is tried again on this agent (<c>retries</c>), or
    /// <see langword="null"/> to use <see cref="CoreSettings.DefaultRetries"/>.
    /// </summary>
    public int? Retries { get; internal set; }

    /// <summary>
    /// Gets the agent-specific settings (the <c>[settings]</c> table), all strings. Keys that look like
    /// secrets are rejected when loading.
    /// </summary>
    public IReadOnlyDictionary<string, string> Settings { get; internal set; } = NoSettings;
}
