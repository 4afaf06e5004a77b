using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace TaskExecKit.Testing;

/// <summary>
/// A model for tests: an <see cref="IChatClient"/> that answers each call with the next step of a
/// script — text, tool calls, an exception, or your own function of the conversation — and records
/// every request it gets. Queue steps with <see cref="ReplyWith"/>, <see cref="CallTool"/>,
/// <see cref="Fail"/> and <see cref="Respond(Func{IReadOnlyList{ChatMessage}, ChatMessage})"/>; a call after the last step throws
/// <see cref="InvalidOperationException"/> saying so, unless <see cref="RepeatLastStep"/> is set.
/// Safe to call from several threads; steps are taken in call order.
/// </summary>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly Queue<Func<IReadOnlyList<ChatMessage>, ChatResponse>> _steps = new();
    private readonly List<ScriptedRequest> _requests = [];
    private readonly ChatClientMetadata _metadata;
    private readonly Lock _lock = new();
    private Func<IReadOnlyList<ChatMessage>, ChatResponse>? _last;
    private int _queued;
    private int _callIds;

    /// <summary>Creates an empty script.</summary>
    /// <param name="providerName">The provider name reported in <see cref="ChatClientMetadata"/>.</param>
    /// <param name="modelId">The model reported in metadata and in each response.</param>
    public ScriptedChatClient(string providerName = "scripted", string modelId = "scripted-1")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ModelId = modelId;
        _metadata = new ChatClientMetadata(providerName, null, modelId);
    }

    /// <summary>Gets the model reported in each response.</summary>
    public string ModelId { get; }

    /// <summary>Gets or sets the tokens reported for each response (input, output); (10, 5) by default.</summary>
    public (long Input, long Output) UsagePerCall { get; set; } = (10, 5);

    /// <summary>Gets or sets a value indicating whether calls after the last step repeat it instead of throwing.</summary>
    public bool RepeatLastStep { get; set; }

    /// <summary>Gets the requests received so far, in order.</summary>
    public IReadOnlyList<ScriptedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Gets how many queued steps have not been used yet.</summary>
    public int Remaining
    {
        get
        {
            lock (_lock)
            {
                return _steps.Count;
            }
        }
    }

    /// <summary>Gets a value indicating whether <see cref="Dispose"/> was called.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>Queues an answer with text and no tool call.</summary>
    /// <param name="text">The assistant's text.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient ReplyWith(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Respond(_ => new ChatMessage(ChatRole.Assistant, text));
    }

    /// <summary>Queues an answer that asks for one tool call.</summary>
    /// <param name="name">The tool's name, e.g. <c>file_read</c>.</param>
    /// <param name="arguments">The arguments; null for none.</param>
    /// <param name="callId">The call's id; <c>call-1</c>, <c>call-2</c>, … by default.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient CallTool(string name, IDictionary<string, object?>? arguments = null, string? callId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string id = callId ?? "call-" + Interlocked.Increment(ref _callIds).ToString(CultureInfo.InvariantCulture);
        var copy = new Dictionary<string, object?>(arguments ?? new Dictionary<string, object?>(), StringComparer.Ordinal);
        return Respond(_ => new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(id, name, copy)]));
    }

    /// <summary>Queues an answer that asks for several tool calls at once.</summary>
    /// <param name="calls">The calls.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient CallTools(params FunctionCallContent[] calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        return Respond(_ => new ChatMessage(ChatRole.Assistant, [.. calls]));
    }

    /// <summary>Queues a failure: the call throws <paramref name="exception"/> (e.g. an <see cref="HttpRequestException"/> to simulate an outage).</summary>
    /// <param name="exception">The exception to throw.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient Fail(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Respond((Func<IReadOnlyList<ChatMessage>, ChatResponse>)(_ => throw exception));
    }

    /// <summary>Queues an answer computed from the conversation so far (e.g. one that echoes a tool result).</summary>
    /// <param name="step">Builds the assistant's message from the messages received.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient Respond(Func<IReadOnlyList<ChatMessage>, ChatMessage> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return Respond(messages => new ChatResponse(step(messages)));
    }

    /// <summary>Queues a whole response computed from the conversation so far (usage and model are filled in when missing).</summary>
    /// <param name="step">Builds the response from the messages received.</param>
    /// <returns>This client.</returns>
    public ScriptedChatClient Respond(Func<IReadOnlyList<ChatMessage>, ChatResponse> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        lock (_lock)
        {
            _steps.Enqueue(step);
            _queued++;
        }

        return this;
    }

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<ChatMessage> history = [.. messages];
        Func<IReadOnlyList<ChatMessage>, ChatResponse> step;
        lock (_lock)
        {
            _requests.Add(new ScriptedRequest(history, options));
            if (_steps.TryDequeue(out var next))
            {
                step = _last = next;
            }
            else if (RepeatLastStep && _last is not null)
            {
                step = _last;
            }
            else
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"The scripted chat client has no step left: {_queued} were queued and call {_requests.Count} came. Queue more steps, or set RepeatLastStep."));
            }
        }

        ChatResponse response = step(history);
        response.ModelId ??= ModelId;
        response.Usage ??= new UsageDetails
        {
            InputTokenCount = UsagePerCall.Input,
            OutputTokenCount = UsagePerCall.Output,
            TotalTokenCount = UsagePerCall.Input + UsagePerCall.Output,
        };
        response.FinishReason ??= response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop;
        return Task.FromResult(response);
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
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(ChatClientMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose() => IsDisposed = true;
}

/// <summary>One request a <see cref="ScriptedChatClient"/> received.</summary>
/// <param name="Messages">The conversation sent, in order.</param>
/// <param name="Options">The options sent (tools offered, model, response format), or null.</param>
public sealed record ScriptedRequest(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)
{
    /// <summary>Gets the text of the last user message, or an empty string.</summary>
    public string LastUserText => Messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;

    /// <summary>Gets the text of every tool result in the conversation, in order.</summary>
    public IReadOnlyList<string> ToolResults => [.. Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => ResultText(r.Result))];

    /// <summary>Gets the names of the tools offered.</summary>
    public IReadOnlyList<string> ToolNames => [.. Options?.Tools?.Select(t => t.Name) ?? []];

    private static string ResultText(object? result) => result switch
    {
        null => string.Empty,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString() ?? string.Empty,
        JsonElement e => e.GetRawText(),
        _ => Convert.ToString(result, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
