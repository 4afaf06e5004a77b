using Microsoft.Extensions.AI;

namespace TaskExecKit.Tests.AI;

/// <summary>
/// A test double for a model: each call runs the next step of a script against the conversation so
/// far. Records every request so tests can see what reached the model.
/// </summary>
internal sealed class ScriptedChatClient : IChatClient
{
    private readonly Func<IReadOnlyList<ChatMessage>, ChatMessage>[] _steps;
    private readonly ChatClientMetadata _metadata;
    private int _next;

    public ScriptedChatClient(params Func<IReadOnlyList<ChatMessage>, ChatMessage>[] steps)
        : this("scripted", "scripted-1", steps)
    {
    }

    public ScriptedChatClient(string provider, string model, params Func<IReadOnlyList<ChatMessage>, ChatMessage>[] steps)
    {
        _steps = steps;
        _metadata = new ChatClientMetadata(provider, null, model);
        Model = model;
    }

    public string Model { get; }

    /// <summary>Tokens reported per call (input, output).</summary>
    public (long Input, long Output) UsagePerCall { get; init; } = (10, 5);

    /// <summary>Runs before each answer (e.g. advances a fake clock).</summary>
    public Action? OnCall { get; init; }

    public List<IReadOnlyList<ChatMessage>> Requests { get; } = [];

    public List<ChatOptions?> Options { get; } = [];

    public bool Disposed { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        OnCall?.Invoke();
        IReadOnlyList<ChatMessage> history = [.. messages];
        Requests.Add(history);
        Options.Add(options);
        var step = _steps[Math.Min(_next++, _steps.Length - 1)];
        return Task.FromResult(new ChatResponse(step(history))
        {
            ModelId = Model,
            Usage = new UsageDetails { InputTokenCount = UsagePerCall.Input, OutputTokenCount = UsagePerCall.Output },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
        => serviceType == typeof(ChatClientMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() => Disposed = true;

    public static ChatMessage Text(string text) => new(ChatRole.Assistant, text);

    public static ChatMessage Call(string callId, string name, Dictionary<string, object?> arguments)
        => new(ChatRole.Assistant, [new FunctionCallContent(callId, name, arguments)]);

    /// <summary>The text of the tool results in the latest message of a request.</summary>
    public static IReadOnlyList<string> ResultsIn(IReadOnlyList<ChatMessage> request)
        => [.. request.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.Result?.ToString() ?? string.Empty)];
}
