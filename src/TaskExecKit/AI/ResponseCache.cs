using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace TaskExecKit.AI;

/// <summary>
/// Keeps model responses in files so that the same request is answered without asking the model
/// again: the key is a SHA-256 of the provider, the model, every message, the tools offered (names
/// and schemas) and the response format. Add it with <see cref="AIAgentBuilder.ResponseCache"/>;
/// by convention the folder is <c>&lt;runtime&gt;/cache/ai_responses</c>. Tool calls in a cached
/// response still go through the effect policy. Files hold responses in clear text.
/// </summary>
public sealed class ResponseCache
{
    /// <summary>Creates a cache in a folder (created on the first write).</summary>
    /// <param name="directory">The folder, e.g. <c>runtime/cache/ai_responses</c>.</param>
    public ResponseCache(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>Gets the folder of the cached responses.</summary>
    public string Directory { get; }

    private static JsonTypeInfo MessageInfo => AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage));

    private static JsonTypeInfo ResponseInfo => AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatResponse));

    internal static string KeyOf(string provider, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("provider", provider);
            writer.WriteString("model", options?.ModelId);
            writer.WriteStartArray("messages");
            foreach (var message in messages)
            {
                JsonSerializer.Serialize(writer, message, MessageInfo);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("tools");
            foreach (var tool in options?.Tools ?? [])
            {
                writer.WriteStartObject();
                writer.WriteString("name", tool.Name);
                if (tool is AIFunction function)
                {
                    writer.WritePropertyName("schema");
                    function.JsonSchema.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (options?.ResponseFormat is ChatResponseFormatJson { Schema: { } schema })
            {
                writer.WritePropertyName("format");
                schema.WriteTo(writer);
            }
            else
            {
                writer.WriteString("format", options?.ResponseFormat?.GetType().Name);
            }

            writer.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    internal async Task<ChatResponse?> TryGetAsync(string key, CancellationToken cancellationToken)
    {
        string path = Path.Join(Directory, key + ".json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(stream, ResponseInfo, cancellationToken).ConfigureAwait(false) as ChatResponse;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            // A damaged or half-written entry is a miss; it is overwritten below.
            return null;
        }
    }

    internal async Task SetAsync(string key, ChatResponse response, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = Path.Join(Directory, key + ".json");
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(response, ResponseInfo), Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>The innermost middleware when caching: answers from the cache, or asks the provider and keeps its answer.</summary>
internal sealed class FileCachingChatClient(IChatClient inner, ResponseCache cache, string provider) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        string key = ResponseCache.KeyOf(provider, request, options);
        if (await cache.TryGetAsync(key, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            return cached;
        }

        ChatResponse response = await base.GetResponseAsync(request, options, cancellationToken).ConfigureAwait(false);
        await cache.SetAsync(key, response, cancellationToken).ConfigureAwait(false);
        return response;
    }
}
