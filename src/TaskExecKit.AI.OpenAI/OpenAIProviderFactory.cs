using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;
using TaskExecKit.AI;
using TaskExecKit.AI.OpenAI;

[assembly: AIProviderFactory(typeof(OpenAIProviderFactory))]

namespace TaskExecKit.AI.OpenAI;

/// <summary>
/// Creates <see cref="AIProvider.OpenAI"/> clients with the OpenAI SDK and Microsoft.Extensions.AI.OpenAI: OpenAI
/// itself, or any OpenAI-compatible server (llama.cpp, vLLM, LM Studio) given by its endpoint, which must include
/// <c>/v1</c>. Referencing this package is enough: <c>AIAgent.Builder().Provider(AIProvider.OpenAI)</c> finds it.
/// </summary>
/// <remarks>
/// The key comes from <c>ApiKey(...)</c> or <c>OPENAI_API_KEY</c>; with an endpoint other than OpenAI's, a key is
/// optional (a local server needs none). The endpoint comes from <c>Endpoint(...)</c>, <c>ai.toml</c> or
/// <c>OPENAI_BASE_URL</c>. The SDK's own retries are off: the chain retries.
/// </remarks>
public sealed class OpenAIProviderFactory : IAIProviderFactory
{
    /// <inheritdoc/>
    public AIProvider Provider => AIProvider.OpenAI;

    /// <inheritdoc/>
    public string DefaultModel => "gpt-4o-mini";

    /// <inheritdoc/>
    public IChatClient CreateChatClient(AIProviderConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var http = new ProviderHttp("openai", "OpenAI", "OPENAI_API_KEY", connection.Endpoint);
        var options = new OpenAIClientOptions
        {
            Transport = new HttpClientPipelineTransport(http.CreateHttpClient()),
            RetryPolicy = new ClientRetryPolicy(0),
            NetworkTimeout = TimeSpan.FromMinutes(10),
        };
        if (connection.Endpoint is { } endpoint)
        {
            options.Endpoint = endpoint;
        }

        // A local OpenAI-compatible server takes any key; the SDK insists on one.
        var client = new OpenAIClient(new ApiKeyCredential(connection.ApiKey ?? "no-key"), options);
        return new ProviderErrorChatClient(client.GetChatClient(connection.Model).AsIChatClient(), http);
    }
}
