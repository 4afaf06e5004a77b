namespace TaskExecKit.Configuration;

/// <summary>
/// Which model provider the engine uses and how. Read from <c>ai.toml</c> (or an <c>[ai]</c> table).
/// API keys are never part of the configuration: they come only from the provider's environment
/// variable (for example <c>ANTHROPIC_API_KEY</c>). Immutable once loaded.
/// </summary>
public sealed class AISettings
{
    internal AISettings()
    {
    }

    /// <summary>
    /// Gets the name of the provider tried first (<c>provider</c>), such as <c>anthropic</c>,
    /// <c>openai</c>, <c>ollama</c> or <c>offline</c>. Defaults to <c>offline</c>, which needs no network.
    /// </summary>
    public string Provider { get; internal set; } = "offline";

    /// <summary>
    /// Gets the model name passed to the provider (<c>model</c>), or <see langword="null"/> to use the
    /// provider's default.
    /// </summary>
    public string? Model { get; internal set; }

    /// <summary>
    /// Gets the providers tried in order when the first one fails (<c>fallback</c>). Empty by default.
    /// </summary>
    public IReadOnlyList<string> Fallback { get; internal set; } = [];

    /// <summary>
    /// Gets the provider's base address (<c>endpoint</c>), or <see langword="null"/> for the provider's
    /// default. Useful for local OpenAI-compatible servers.
    /// </summary>
    public Uri? Endpoint { get; internal set; }

    /// <summary>Gets how long one model request may take (<c>timeout</c>). Defaults to 2 minutes.</summary>
    public TimeSpan Timeout { get; internal set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets the largest number of model round trips in one tool-calling request (<c>max_iterations</c>).
    /// Defaults to 10.
    /// </summary>
    public int MaxIterations { get; internal set; } = 10;
}
