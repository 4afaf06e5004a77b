using Anthropic;
using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.AI.Anthropic;

[assembly: AIProviderFactory(typeof(AnthropicProviderFactory))]

namespace TaskExecKit.AI.Anthropic;

/// <summary>
/// Creates <see cref="AIProvider.Anthropic"/> clients with the official Anthropic SDK's <see cref="IChatClient"/>.
/// Referencing this package is enough: <c>AIAgent.Builder().Provider(AIProvider.Anthropic)</c> finds it. Register it
/// with <c>ProviderFactory(new AnthropicProviderFactory())</c> only in a trimmed app.
/// </summary>
/// <remarks>
/// The key comes from <c>ApiKey(...)</c> or <c>ANTHROPIC_API_KEY</c>; the endpoint from <c>Endpoint(...)</c>,
/// <c>ai.toml</c> or <c>ANTHROPIC_BASE_URL</c> (without <c>/v1</c>). The SDK's own retries are off: the chain retries.
/// </remarks>
public sealed class AnthropicProviderFactory : IAIProviderFactory
{
    /// <summary>The largest answer asked for, in tokens (the Messages API requires a value).</summary>
    public const int DefaultMaxOutputTokens = 4096;

    /// <inheritdoc/>
    public AIProvider Provider => AIProvider.Anthropic;

    /// <inheritdoc/>
    public string DefaultModel => "claude-sonnet-4-5";

    /// <inheritdoc/>
    public IChatClient CreateChatClient(AIProviderConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var http = new ProviderHttp("anthropic", "Anthropic", "ANTHROPIC_API_KEY", connection.Endpoint);
        var client = connection.Endpoint is { } endpoint
            ? new AnthropicClient { ApiKey = connection.ApiKey, HttpClient = http.CreateHttpClient(), MaxRetries = 0, BaseUrl = endpoint.ToString().TrimEnd('/') }
            : new AnthropicClient { ApiKey = connection.ApiKey, HttpClient = http.CreateHttpClient(), MaxRetries = 0 };

        return new ProviderErrorChatClient(client.AsIChatClient(connection.Model, DefaultMaxOutputTokens), http);
    }
}
