using Microsoft.Extensions.AI;

namespace TaskExecKit.AI;

/// <summary>
/// Creates the <see cref="IChatClient"/> of one <see cref="AIProvider"/>. Each provider package
/// (<c>TaskExecKit.AI.Anthropic</c>, <c>TaskExecKit.AI.OpenAI</c>, <c>TaskExecKit.AI.Ollama</c>) ships one and
/// names it with <see cref="AIProviderFactoryAttribute"/>, so <see cref="AIAgentBuilder.Provider(AIProvider)"/>
/// finds it when the package is referenced; a host may also register one with
/// <see cref="AIAgentBuilder.ProviderFactory(IAIProviderFactory)"/>.
/// </summary>
/// <remarks>
/// The client should throw <see cref="AIProviderException"/> for failures it can classify, so that the
/// fallback chain knows which ones are transient; it should not retry on its own (the chain does).
/// </remarks>
public interface IAIProviderFactory
{
    /// <summary>Gets the provider this factory creates clients for.</summary>
    AIProvider Provider { get; }

    /// <summary>Gets the model used when none is configured for this provider.</summary>
    string DefaultModel { get; }

    /// <summary>Creates a client for the given key, endpoint and model.</summary>
    /// <param name="connection">What the builder resolved: key, endpoint and model.</param>
    /// <returns>The client; the agent that asked for it owns it.</returns>
    IChatClient CreateChatClient(AIProviderConnection connection);
}

/// <summary>
/// The key, endpoint and model a provider's client is created with, as resolved by
/// <see cref="AIAgentBuilder.Build"/> from the builder, the environment and <c>ai.toml</c>.
/// Its <see cref="ToString"/> never shows the key.
/// </summary>
public sealed class AIProviderConnection
{
    internal AIProviderConnection(AIProvider provider, string? apiKey, Uri? endpoint, string model)
    {
        Provider = provider;
        ApiKey = apiKey;
        Endpoint = endpoint;
        Model = model;
    }

    /// <summary>Gets the provider.</summary>
    public AIProvider Provider { get; }

    /// <summary>Gets the API key, or null when the provider needs none (a local server).</summary>
    public string? ApiKey { get; }

    /// <summary>Gets the base address, or null for the provider's default.</summary>
    public Uri? Endpoint { get; }

    /// <summary>Gets the model to ask for.</summary>
    public string Model { get; }

    /// <summary>Describes the connection without its key.</summary>
    /// <returns>Provider, endpoint and model.</returns>
    public override string ToString() =>
        $"{Provider} {Model} at {Endpoint?.ToString() ?? "the default endpoint"}{(ApiKey is null ? " (no key)" : " (key set)")}";
}
