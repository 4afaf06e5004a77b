using Microsoft.Extensions.AI;
using OllamaSharp;
using TaskExecKit.AI;
using TaskExecKit.AI.Ollama;

[assembly: AIProviderFactory(typeof(OllamaProviderFactory))]

namespace TaskExecKit.AI.Ollama;

/// <summary>
/// Creates <see cref="AIProvider.Ollama"/> clients for a local Ollama server with OllamaSharp. Referencing this
/// package is enough: <c>AIAgent.Builder().Provider(AIProvider.Ollama)</c> finds it. No key is needed.
/// </summary>
/// <remarks>
/// The server comes from <c>Endpoint(...)</c>, <c>ai.toml</c> or <c>OLLAMA_HOST</c> (<c>host:port</c> or a URL),
/// and is <c>http://localhost:11434</c> otherwise.
/// </remarks>
public sealed class OllamaProviderFactory : IAIProviderFactory
{
    /// <summary>The address of a local Ollama server when none is configured.</summary>
    public static Uri DefaultEndpoint { get; } = new("http://localhost:11434");

    /// <inheritdoc/>
    public AIProvider Provider => AIProvider.Ollama;

    /// <inheritdoc/>
    public string DefaultModel => "llama3.2";

    /// <inheritdoc/>
    public IChatClient CreateChatClient(AIProviderConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Uri endpoint = connection.Endpoint ?? DefaultEndpoint;
        var http = new ProviderHttp("ollama", "Ollama", keyVariable: null, endpoint);
        var client = new OllamaApiClient(http.CreateHttpClient(endpoint), connection.Model);
        return new ProviderErrorChatClient(client, http);
    }
}
