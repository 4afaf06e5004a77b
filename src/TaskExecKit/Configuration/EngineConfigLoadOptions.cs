namespace TaskExecKit.Configuration;

/// <summary>Options for <see cref="EngineConfig.Load(string, EngineConfigLoadOptions?)"/>.</summary>
public sealed class EngineConfigLoadOptions
{
    /// <summary>
    /// Gets or sets the environment whose <c>environments/&lt;name&gt;.toml</c> overrides the other
    /// files. When <see langword="null"/>, the <c>TASKEXECKIT_ENVIRONMENT</c> variable is used; when
    /// that is unset or empty, no environment file is read.
    /// </summary>
    public string? Environment { get; set; }

    /// <summary>
    /// Gets or sets the environment variables to read <c>TASKEXECKIT_ENVIRONMENT</c> and
    /// <c>TASKEXECKIT__SECTION__KEY</c> overrides from. When <see langword="null"/>, the process
    /// environment is used; pass an empty dictionary to ignore the environment (useful in tests).
    /// </summary>
    public IReadOnlyDictionary<string, string>? EnvironmentVariables { get; set; }
}
