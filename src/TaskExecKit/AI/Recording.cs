using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace TaskExecKit.AI;

/// <summary>One line of a recording: a model call's request (messages and offered tool names) and its response.</summary>
internal sealed class RecordedCall
{
    internal int Call { get; init; }

    internal List<string> Tools { get; init; } = [];

    internal List<ChatMessage> Request { get; init; } = [];

    internal required ChatResponse Response { get; init; }

    private static JsonTypeInfo MessageInfo => AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatMessage));

    private static JsonTypeInfo ResponseInfo => AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ChatResponse));

    /// <summary>Writes the call as one JSON line: <c>{"call":n,"tools":[…],"request":[…messages],"response":{…}}</c>.</summary>
    internal string ToJsonLine()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("call", Call);
            writer.WriteStartArray("tools");
            foreach (string tool in Tools)
            {
                writer.WriteStringValue(tool);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("request");
            foreach (var message in Request)
            {
                JsonSerializer.Serialize(writer, message, MessageInfo);
            }

            writer.WriteEndArray();
            writer.WritePropertyName("response");
            JsonSerializer.Serialize(writer, Response, ResponseInfo);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Reads a line written by <see cref="ToJsonLine"/>.</summary>
    /// <exception cref="JsonException">The line is not one.</exception>
    internal static RecordedCall FromJsonLine(string line)
    {
        using var document = JsonDocument.Parse(line);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("response", out JsonElement response) || response.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("the line has no response object");
        }

        return new RecordedCall
        {
            Call = root.TryGetProperty("call", out JsonElement call) && call.TryGetInt32(out int n) ? n : 0,
            Tools = root.TryGetProperty("tools", out JsonElement tools) && tools.ValueKind == JsonValueKind.Array ? [.. tools.EnumerateArray().Select(t => t.GetString() ?? string.Empty)] : [],
            Request = root.TryGetProperty("request", out JsonElement request) && request.ValueKind == JsonValueKind.Array
                ? [.. request.EnumerateArray().Select(m => (ChatMessage)(m.Deserialize(MessageInfo) ?? throw new JsonException("a request message is null")))]
                : [],
            Response = (ChatResponse)(response.Deserialize(ResponseInfo) ?? throw new JsonException("the response is null")),
        };
    }

    /// <summary>A copy of the recorded response, so that middleware editing a response cannot change the recording.</summary>
    internal ChatResponse CopyResponse()
        => (ChatResponse)JsonSerializer.SerializeToElement(Response, ResponseInfo).Deserialize(ResponseInfo)!;
}

/// <summary>Appends every model call of an agent's runs to a JSON lines file; shared by the agent's runs.</summary>
#pragma warning disable CA1001 // The semaphore lives as long as the agent and never allocates a wait handle; it needs no disposal.
internal sealed class ChatRecorder
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _calls;

    internal ChatRecorder(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    internal string Path { get; }

    internal async Task AppendAsync(IEnumerable<ChatMessage> request, ChatOptions? options, ChatResponse response, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var line = new RecordedCall
            {
                Call = ++_calls,
                Tools = [.. options?.Tools?.Select(t => t.Name) ?? []],
                Request = [.. request],
                Response = response,
            };
            string json = line.ToJsonLine();
            if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            await File.AppendAllTextAsync(Path, json + "\n", Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>The innermost middleware when recording: writes what the provider was sent and what it answered.</summary>
internal sealed class RecordingChatClient(IChatClient inner, ChatRecorder recorder) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        ChatResponse response = await base.GetResponseAsync(request, options, cancellationToken).ConfigureAwait(false);
        await recorder.AppendAsync(request, options, response, cancellationToken).ConfigureAwait(false);
        return response;
    }
}

/// <summary>A recording could not be read, or a replayed run did not follow it.</summary>
public sealed class ReplayException : TaskExecKitException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What did not match, naming the recording and the model call.</param>
    public ReplayException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// Replays a recording made with <see cref="AIAgentBuilder.Record"/>: an <see cref="IChatClient"/>
/// that answers each model call with the recorded response, in order, with no network. Tools are not
/// replayed: they run again, through the effect policy in force now; the replayer then checks that
/// the prompt and every tool result it is sent are the ones recorded, and throws a
/// <see cref="ReplayException"/> naming the first difference, so a replay is either the same run or a
/// loud failure. Pass it with <see cref="AIAgentBuilder.ChatClient"/>.
/// </summary>
public sealed class ReplayChatClient : IChatClient
{
    private readonly List<RecordedCall> _calls;
    private readonly string _source;
    private readonly Lock _lock = new();
    private int _next;

    private ReplayChatClient(List<RecordedCall> calls, string source)
    {
        _calls = calls;
        _source = source;
    }

    /// <summary>Gets how many recorded model calls have not been replayed yet.</summary>
    public int Remaining
    {
        get
        {
            lock (_lock)
            {
                return _calls.Count - _next;
            }
        }
    }

    /// <summary>Reads a recording.</summary>
    /// <param name="path">The JSON lines file written by <see cref="AIAgentBuilder.Record"/>.</param>
    /// <returns>The replayer.</returns>
    /// <exception cref="ReplayException">The file is missing or a line is not a recorded call; the message names the line.</exception>
    public static ReplayChatClient Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new ReplayException($"{path}: the recording does not exist.");
        }

        var calls = new List<RecordedCall>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                calls.Add(RecordedCall.FromJsonLine(line));
            }
            catch (JsonException ex)
            {
                throw new ReplayException(string.Create(CultureInfo.InvariantCulture, $"{path}:{number}: not a recorded model call: {ex.Message}"));
            }
        }

        return new ReplayChatClient(calls, path);
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        RecordedCall recorded;
        int number;
        lock (_lock)
        {
            if (_next >= _calls.Count)
            {
                throw new ReplayException(string.Create(CultureInfo.InvariantCulture,
                    $"{_source}: the recording has {_calls.Count} model calls, and the run asked for one more."));
            }

            number = _next + 1;
            recorded = _calls[_next++];
        }

        var request = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        if (Difference(recorded.Request, request) is { } difference)
        {
            throw new ReplayException(string.Create(CultureInfo.InvariantCulture,
                $"{_source}: model call {number} does not follow the recording: {difference}."));
        }

        return Task.FromResult(recorded.CopyResponse());
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>Compares what reaches the model now with what reached it when recorded: user prompts and tool results, in order.</summary>
    private static string? Difference(IReadOnlyList<ChatMessage> recorded, IReadOnlyList<ChatMessage> now)
    {
        var before = Inputs(recorded);
        var after = Inputs(now);
        for (int i = 0; i < Math.Max(before.Count, after.Count); i++)
        {
            if (i >= before.Count)
            {
                return $"it was sent a {after[i].Kind} the recording does not have";
            }

            if (i >= after.Count)
            {
                return $"the recorded {before[i].Kind} was not sent";
            }

            if (!string.Equals(before[i].Text, after[i].Text, StringComparison.Ordinal))
            {
                return $"the {after[i].Kind} differs (recorded \"{Shorten(before[i].Text)}\", now \"{Shorten(after[i].Text)}\")";
            }
        }

        return null;
    }

    private static List<(string Kind, string Text)> Inputs(IReadOnlyList<ChatMessage> messages)
    {
        var inputs = new List<(string, string)>();
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.User && message.Text.Length > 0)
            {
                inputs.Add(("prompt", message.Text));
            }

            foreach (var result in message.Contents.OfType<FunctionResultContent>())
            {
                inputs.Add(("tool result for call " + result.CallId, OfflineChatClient.ResultText(result.Result)));
            }
        }

        return inputs;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "…");
}
