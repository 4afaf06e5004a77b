using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace TaskExecKit.AI;

/// <summary>
/// The offline provider: a deterministic <see cref="IChatClient"/> that answers by rules. It asks
/// for a tool when a rule says so and the tool is offered, and answers a tool result with text that
/// includes the result. Token counts are estimated as one token per four characters.
/// </summary>
internal sealed class OfflineChatClient : IChatClient
{
    internal const string ProviderName = "offline";
    internal const string NoRuleAnswer = "Offline provider: no rule matches this request. Add rules with OfflineRules(...) or use a model provider.";

    private readonly IReadOnlyList<OfflineRule> _rules;
    private readonly string _model;
    private readonly ChatClientMetadata _metadata;

    internal OfflineChatClient(IReadOnlyList<OfflineRule> rules, string model)
    {
        _rules = rules;
        _model = model;
        _metadata = new ChatClientMetadata(ProviderName, null, model);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        cancellationToken.ThrowIfCancellationRequested();
        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        ChatMessage reply = Answer(history, options);
        var response = new ChatResponse(reply)
        {
            ModelId = _model,
            FinishReason = reply.Contents.OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            Usage = new UsageDetails
            {
                InputTokenCount = EstimateTokens(history.Sum(m => m.Text.Length + m.Contents.OfType<FunctionResultContent>().Sum(r => ResultText(r.Result).Length))),
                OutputTokenCount = EstimateTokens(reply.Text.Length + reply.Contents.OfType<FunctionCallContent>().Sum(c => c.Name.Length + 16)),
            },
        };
        response.Usage.TotalTokenCount = response.Usage.InputTokenCount + response.Usage.OutputTokenCount;
        return Task.FromResult(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        return serviceType == typeof(ChatClientMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
    }

    private ChatMessage Answer(IReadOnlyList<ChatMessage> history, ChatOptions? options)
    {
        var last = history.Count > 0 ? history[^1] : null;
        var results = last?.Contents.OfType<FunctionResultContent>().ToList() ?? [];
        if (results.Count > 0)
        {
            var text = new StringBuilder();
            foreach (var result in results)
            {
                string name = FindCallName(history, result.CallId) ?? "tool";
                text.Append(CultureInfo.InvariantCulture, $"The tool {name} returned:\n{ResultText(result.Result)}\n");
            }

            return new ChatMessage(ChatRole.Assistant, text.ToString().TrimEnd());
        }

        string prompt = history.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        foreach (var rule in _rules)
        {
            var match = rule.Pattern.Match(prompt);
            if (!match.Success)
            {
                continue;
            }

            if (rule.ToolName is null)
            {
                return new ChatMessage(ChatRole.Assistant, rule.Text);
            }

            bool offered = options?.Tools?.Any(t => string.Equals(t.Name, rule.ToolName, StringComparison.Ordinal)) == true;
            if (!offered)
            {
                return new ChatMessage(ChatRole.Assistant, $"Offline provider: the rule for this request calls the tool {rule.ToolName}, which this agent does not have.");
            }

            string callId = "offline-call-" + history.Count.ToString(CultureInfo.InvariantCulture);
            return new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId, rule.ToolName, rule.ArgumentsFor(match))]);
        }

        return new ChatMessage(ChatRole.Assistant, NoRuleAnswer);
    }

    private static string? FindCallName(IReadOnlyList<ChatMessage> history, string callId)
    {
        for (int i = history.Count - 1; i >= 0; i--)
        {
            foreach (var call in history[i].Contents.OfType<FunctionCallContent>())
            {
                if (string.Equals(call.CallId, callId, StringComparison.Ordinal))
                {
                    return call.Name;
                }
            }
        }

        return null;
    }

    /// <summary>The text of a tool result, whichever form the function invoker left it in.</summary>
    internal static string ResultText(object? result) => result switch
    {
        null => string.Empty,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString() ?? string.Empty,
        JsonElement e => e.GetRawText(),
        _ => Convert.ToString(result, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private static long EstimateTokens(int characters) => (characters + 3) / 4;
}
