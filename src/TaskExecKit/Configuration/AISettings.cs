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

    /// <summary>
    /// Gets the settings of each provider named in a <c>[providers.&lt;name&gt;]</c> table (<c>anthropic</c>,
    /// <c>openai</c>, <c>ollama</c>): its endpoint and model, for whichever place it has in the chain. The
    /// top-level <see cref="Endpoint"/> and <see cref="Model"/> are <see cref="Provider"/>'s and win over its table.
    /// </summary>
    public IReadOnlyDictionary<string, AIProviderSettings> Providers => ProviderTables;

    /// <summary>
    /// Gets the model prices of the <c>[prices."provider/model"]</c> tables, keyed <c>provider/model</c>
    /// (lowercase; the model may be <c>*</c>): per million input and output tokens. They are added to the
    /// agent's price table, over its defaults.
    /// </summary>
    public IReadOnlyDictionary<string, AIPriceSettings> Prices => PriceTables;

    internal Dictionary<string, AIProviderSettings> ProviderTables { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, AIPriceSettings> PriceTables { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets how long one model request may take (<c>timeout</c>). Defaults to 2 minutes.</summary>
    public TimeSpan Timeout { get; internal set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets the largest number of model round trips in one tool-calling request (<c>max_iterations</c>).
    /// Defaults to 10.
    /// </summary>
    public int MaxIterations { get; internal set; } = 10;
}

/// <summary>One provider's table in <c>ai.toml</c>: <c>[providers.openai]</c> with <c>endpoint</c> and <c>model</c>. Never a key.</summary>
public sealed class AIProviderSettings
{
    internal AIProviderSettings()
    {
    }

    /// <summary>Gets the provider's base address (<c>endpoint</c>), or <see langword="null"/> for the environment variable or the provider's default.</summary>
    public Uri? Endpoint { get; internal set; }

    /// <summary>Gets the model asked of the provider (<c>model</c>), or <see langword="null"/> for its package's default.</summary>
    public string? Model { get; internal set; }
}

/// <summary>
/// One model's price in <c>ai.toml</c>: <c>[prices."anthropic/claude-sonnet-4-5"]</c> with <c>input_per_mtok</c> and
/// <c>output_per_mtok</c>, the price of a million input and output tokens (in the unit the host budgets in; the defaults are US dollars).
/// </summary>
public sealed class AIPriceSettings
{
    internal AIPriceSettings()
    {
    }

    /// <summary>Gets the price of one million input tokens (<c>input_per_mtok</c>).</summary>
    public decimal InputPerMillionTokens { get; internal set; }

    /// <summary>Gets the price of one million output tokens (<c>output_per_mtok</c>).</summary>
    public decimal OutputPerMillionTokens { get; internal set; }
}
