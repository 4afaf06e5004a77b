using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using TaskExecKit.Effects;

namespace TaskExecKit.AI;

/// <summary>
/// A tool as the model sees it. Every call first asks the run's effect gate for the capability the
/// call needs; a denied call returns a denial message to the model and does not run. Results are
/// capped at <see cref="MaxResultChars"/> characters.
/// </summary>
internal sealed class GatedFunction : AIFunction
{
    internal const int MaxResultChars = 16 * 1024;
    private const int MaxArgumentChars = 80;

    private readonly Func<AIFunctionArguments, Capability> _requirement;
    private readonly Func<AIFunctionArguments, string?, CancellationToken, ValueTask<string>> _body;
    private readonly AgentRun _run;

    internal GatedFunction(string name, string description, JsonElement schema, Func<AIFunctionArguments, Capability> requirement,
        Func<AIFunctionArguments, string?, CancellationToken, ValueTask<string>> body, AgentRun run)
    {
        Name = name;
        Description = description;
        JsonSchema = schema;
        _requirement = requirement;
        _body = body;
        _run = run;
    }

    public override string Name { get; }

    public override string Description { get; }

    public override JsonElement JsonSchema { get; }

    /// <summary>Wraps a custom function: gated by <c>tool:</c> its name.</summary>
    internal static GatedFunction ForCustom(AIFunction inner, AgentRun run) => new(
        inner.Name,
        inner.Description,
        inner.JsonSchema,
        _ => Capability.Tool(inner.Name),
        async (arguments, _, cancellationToken) => OfflineChatClient.ResultText(await inner.InvokeAsync(arguments, cancellationToken).ConfigureAwait(false)),
        run);

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        string summary = Summarize(arguments);
        if (ArgumentErrors(arguments) is { Count: > 0 } invalid)
        {
            string problems = string.Join("; ", invalid);
            _run.RecordToolCall(new AgentToolCall(Name, summary, ToolCallOutcome.Failed, "invalid arguments: " + problems));
            return $"Error: the arguments do not match the schema of {Name}, so it did not run: {problems}. Call it again with arguments that match its schema.";
        }

        Capability needed;
        try
        {
            needed = _requirement(arguments);
        }
        catch (ArgumentException ex)
        {
            _run.RecordToolCall(new AgentToolCall(Name, summary, ToolCallOutcome.Failed, ex.Message));
            return $"Error: {ex.Message}";
        }

        if (!_run.Allow(needed, out string? resolved))
        {
            string where = resolved is not null && !string.Equals(resolved, needed.Target, StringComparison.Ordinal) ? $" (resolved to {resolved})" : string.Empty;
            _run.RecordToolCall(new AgentToolCall(Name, summary, ToolCallOutcome.Denied, needed.ToString()));
            return $"Denied: this agent is not granted {needed}{where}, so {Name} did not run. Do not try to get around this; if the task needs it, say so in your answer.";
        }

        string result;
        TimeSpan limit = _run.Agent.Extras.ToolTimeout;
        using var timeout = new CancellationTokenSource(limit, _run.Agent.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            result = await _body(arguments, resolved, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _run.RecordToolCall(new AgentToolCall(Name, summary, ToolCallOutcome.Failed, "stopped: the run was cancelled or ran out of time"));
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            string message = string.Create(CultureInfo.InvariantCulture, $"it took longer than {limit}, the limit set by ToolTimeout, and was stopped");
            _run.RecordToolCall(new AgentToolCall(Name, summary, ToolCallOutcome.Failed, message));
            return $"Error: {Name} failed: {message}";
        }
        catch (Exception ex)
        {
            // Any failure of the tool, ours or a custom one, goes back to the model as text, so the
            // function invoker never counts it as a consecutive error and rethrows it.
            _run.RecordToolCall(new AgentToolCall(Name, summary, ToolCallOutcome.Failed, ex.Message));
            return $"Error: {Name} failed: {ex.Message}";
        }

        _run.RecordToolCall(new AgentToolCall(Name, summary, ToolCallOutcome.Succeeded, null));
        return Cap(result);
    }

    /// <summary>Checks the arguments against the tool's schema; null when they cannot be read as JSON (then the tool reads them itself).</summary>
    private IReadOnlyList<string>? ArgumentErrors(AIFunctionArguments arguments)
    {
        JsonElement json;
        try
        {
            json = JsonSerializer.SerializeToElement(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException)
        {
            return null;
        }

        return JsonSchemaCheck.Validate(JsonSchema, json);
    }

    internal static string Cap(string text) => text.Length <= MaxResultChars
        ? text
        : string.Create(CultureInfo.InvariantCulture, $"{text.AsSpan(0, MaxResultChars)}\n[truncated: {text.Length - MaxResultChars} more characters]");

    private static string Summarize(AIFunctionArguments arguments)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in arguments.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            string shown = ToolArguments.Describe(value);
            if (shown.Length > MaxArgumentChars)
            {
                shown = string.Concat(shown.AsSpan(0, MaxArgumentChars), "…");
            }

            text.Append(text.Length == 0 ? string.Empty : ", ").Append(key).Append('=').Append(shown);
        }

        return text.ToString();
    }
}

/// <summary>Reads tool arguments whether they arrive as .NET values (in process) or JSON (from a provider).</summary>
internal static class ToolArguments
{
    internal static string RequireString(AIFunctionArguments arguments, string name)
    {
        string? value = arguments.TryGetValue(name, out object? raw) ? AsString(raw) : null;
        return string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"the argument '{name}' is missing or empty") : value;
    }

    internal static string? OptionalString(AIFunctionArguments arguments, string name)
        => arguments.TryGetValue(name, out object? raw) ? AsString(raw) : null;

    internal static IReadOnlyList<string> StringList(AIFunctionArguments arguments, string name)
    {
        if (!arguments.TryGetValue(name, out object? raw) || raw is null)
        {
            return [];
        }

        return raw switch
        {
            string s => [s],
            IEnumerable<string> list => [.. list],
            JsonElement { ValueKind: JsonValueKind.Array } e => [.. e.EnumerateArray().Select(item => AsString(item) ?? string.Empty)],
            JsonElement { ValueKind: JsonValueKind.Null } => [],
            JsonElement e => [AsString(e) ?? string.Empty],
            _ => throw new ArgumentException($"the argument '{name}' must be a list of strings"),
        };
    }

    internal static string Describe(object? value) => value switch
    {
        null => "null",
        string s => s,
        IEnumerable<string> list => "[" + string.Join(' ', list) + "]",
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString() ?? string.Empty,
        JsonElement e => e.GetRawText(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    private static string? AsString(object? raw) => raw switch
    {
        null => null,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        JsonElement e => e.GetRawText(),
        _ => Convert.ToString(raw, CultureInfo.InvariantCulture),
    };

    /// <summary>Expands a leading <c>~</c> to the user's home, as a model writing a path means it.</summary>
    internal static string ExpandHome(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            return Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 1 ? path[2..] : string.Empty);
        }

        return path;
    }
}
