using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace TaskExecKit.AI;

/// <summary>
/// Runs the agent's <see cref="ContentFilter"/>s on every model call of a run: on the prompts and
/// tool results going in, on the text and tool calls coming out. It sits below the function invoker,
/// so a tool call the filter blocks never reaches a tool.
/// </summary>
internal sealed class ContentFilterChatClient : DelegatingChatClient
{
    private readonly AgentRun _run;
    private readonly IReadOnlyList<ContentFilter> _filters;


    private static JsonTypeInfo ArgumentsInfo => AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>));

    internal ContentFilterChatClient(IChatClient inner, AgentRun run, IReadOnlyList<ContentFilter> filters)
        : base(inner)
    {
        _run = run;
        _filters = filters;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var filtered = new List<ChatMessage>();
        foreach (var message in messages)
        {
            filtered.Add(await FilterInputAsync(message, cancellationToken).ConfigureAwait(false));
        }

        ChatResponse response = await base.GetResponseAsync(filtered, options, cancellationToken).ConfigureAwait(false);
        foreach (var message in response.Messages)
        {
            for (int i = 0; i < message.Contents.Count; i++)
            {
                message.Contents[i] = await FilterOutputAsync(message.Contents[i], cancellationToken).ConfigureAwait(false);
            }
        }

        return response;
    }

    /// <summary>Streams by asking for the whole response, so that every filter sees whole texts.</summary>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    private async ValueTask<ChatMessage> FilterInputAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        if (message.Role == ChatRole.System || message.Role == ChatRole.Assistant)
        {
            // Instructions come from the host; assistant messages were checked when the model wrote them.
            return message;
        }

        List<AIContent>? contents = null;
        for (int i = 0; i < message.Contents.Count; i++)
        {
            AIContent original = message.Contents[i];
            if (!_run.FilterCache.TryGetValue(original, out AIContent? replacement))
            {
                replacement = original switch
                {
                    TextContent text when message.Role == ChatRole.User => await FilterPromptAsync(text, cancellationToken).ConfigureAwait(false),
                    FunctionResultContent result => await FilterToolResultAsync(result, cancellationToken).ConfigureAwait(false),
                    _ => original,
                };
                _run.FilterCache[original] = replacement;
            }

            if (!ReferenceEquals(replacement, original))
            {
                contents ??= [.. message.Contents];
                contents[i] = replacement;
            }
        }

        return contents is null ? message : new ChatMessage(message.Role, contents) { AuthorName = message.AuthorName, MessageId = message.MessageId };
    }

    private async ValueTask<AIContent> FilterPromptAsync(TextContent text, CancellationToken cancellationToken)
    {
        var (result, reason) = await CheckAsync(text.Text, ContentSource.Prompt, cancellationToken).ConfigureAwait(false);
        return result switch
        {
            null => throw new AgentBoundReachedException(AgentStopReason.ContentFiltered, $"A content filter blocked the prompt: {reason}. The model was not asked."),
            _ when ReferenceEquals(result, text.Text) => text,
            _ => new TextContent(result),
        };
    }

    private async ValueTask<AIContent> FilterToolResultAsync(FunctionResultContent content, CancellationToken cancellationToken)
    {
        string text = OfflineChatClient.ResultText(content.Result);
        var (result, reason) = await CheckAsync(text, ContentSource.ToolResult, cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            return new FunctionResultContent(content.CallId, $"[withheld: a content filter blocked this tool result ({reason}). Do not try to obtain it another way.]");
        }

        return ReferenceEquals(result, text) ? content : new FunctionResultContent(content.CallId, result);
    }

    private async ValueTask<AIContent> FilterOutputAsync(AIContent content, CancellationToken cancellationToken)
    {
        switch (content)
        {
            case TextContent text:
            {
                var (result, reason) = await CheckAsync(text.Text, ContentSource.ModelText, cancellationToken).ConfigureAwait(false);
                return result is null
                    ? throw new AgentBoundReachedException(AgentStopReason.ContentFiltered, $"A content filter blocked the model's answer: {reason}. It is not returned.")
                    : ReferenceEquals(result, text.Text) ? text : new TextContent(result);
            }

            case FunctionCallContent call:
            {
                string arguments = JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), ArgumentsInfo);
                var (result, reason) = await CheckAsync(arguments, ContentSource.ToolCallArguments, cancellationToken).ConfigureAwait(false);
                if (result is null)
                {
                    throw new AgentBoundReachedException(AgentStopReason.ContentFiltered, $"A content filter blocked the model's call to {call.Name}: {reason}. The tool did not run.");
                }

                if (ReferenceEquals(result, arguments))
                {
                    return call;
                }

                IDictionary<string, object?>? replaced;
                try
                {
                    replaced = JsonSerializer.Deserialize(result, ArgumentsInfo) as IDictionary<string, object?>;
                }
                catch (JsonException)
                {
                    replaced = null;
                }

                return replaced is null
                    ? throw new AgentBoundReachedException(AgentStopReason.ContentFiltered, $"A content filter replaced the arguments of {call.Name} with text that is not a JSON object. The tool did not run.")
                    : new FunctionCallContent(call.CallId, call.Name, replaced);
            }

            default:
                return content;
        }
    }

    /// <summary>Runs every filter in order; returns the (possibly replaced) text, or null and the reason when one blocks.</summary>
    private async ValueTask<(string? Text, string? Reason)> CheckAsync(string text, ContentSource source, CancellationToken cancellationToken)
    {
        string current = text;
        foreach (var filter in _filters)
        {
            ContentFilterResult result = await filter.CheckAsync(current, source, cancellationToken).ConfigureAwait(false) ?? ContentFilterResult.Allow;
            switch (result.Action)
            {
                case ContentFilterAction.Block:
                    _run.RecordFilterEvent(new ContentFilterEvent(source, ContentFilterAction.Block, result.Reason!));
                    return (null, result.Reason);
                case ContentFilterAction.Replace:
                    _run.RecordFilterEvent(new ContentFilterEvent(source, ContentFilterAction.Replace, result.Reason!));
                    current = result.Text!;
                    break;
            }
        }

        return (current, null);
    }
}
