using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.AI;

namespace TaskExecKit.AI;

/// <summary>The agent's options beyond provider, tools, grants and bounds: middleware, content filters, recording, tool timeout, answer attempts.</summary>
internal sealed record AgentExtras(
    IReadOnlyList<Func<IChatClient, IChatClient>> Middleware,
    IReadOnlyList<ContentFilter> ContentFilters,
    ChatRecorder? Recorder,
    TimeSpan ToolTimeout,
    int MaxAnswerAttempts,
    ConversationMemory? Memory = null,
    ResponseCache? Cache = null)
{
    internal static readonly TimeSpan DefaultToolTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Gets the agent middleware (<see cref="AIAgentBuilder.Use(Func{DelegatingAIAgent, DelegatingAIAgent})"/>), first added outermost.</summary>
    internal IReadOnlyList<Func<DelegatingAIAgent, DelegatingAIAgent>> AgentMiddleware { get; init; } = [];

    internal static AgentExtras Default { get; } = new([], [], null, DefaultToolTimeout, 3);
}

/// <summary>Reading structured answers: strict JSON options, fence stripping, schema check then deserialization.</summary>
internal static class StructuredJson
{
    /// <summary>Gets options that refuse unknown properties, missing required members and nulls in non-nullable members.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only used by RunAsync<T>, which is marked RequiresUnreferencedCode.")]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only used by RunAsync<T>, which is marked RequiresDynamicCode.")]
    internal static JsonSerializerOptions Options { get; } = CreateOptions();

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only used by RunAsync<T>, which is marked RequiresUnreferencedCode.")]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only used by RunAsync<T>, which is marked RequiresDynamicCode.")]
    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>A schema name providers accept: letters, digits, '_' and '-'.</summary>
    internal static string SchemaName(string name)
    {
        var text = new StringBuilder();
        foreach (char c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return text.Length == 0 ? "answer" : text.ToString();
    }

    /// <summary>Reads the answer as JSON (a surrounding code fence is allowed), checks it against the schema, then reads it as the type.</summary>
    internal static (T? Value, IReadOnlyList<string> Errors) Check<T>(string text, JsonElement schema, Func<JsonElement, T?> read)
    {
        string json = StripFence(text.Trim());
        JsonElement element;
        try
        {
            using var document = JsonDocument.Parse(json);
            element = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return (default, [$"the answer is not JSON: {ex.Message}"]);
        }

        var errors = JsonSchemaCheck.Validate(schema, element);
        if (errors.Count > 0)
        {
            return (default, errors);
        }

        try
        {
            return (read(element), []);
        }
        catch (JsonException ex)
        {
            return (default, [$"$: {ex.Message}"]);
        }
    }

    private static string StripFence(string text)
    {
        if (!text.StartsWith("```", StringComparison.Ordinal) || !text.EndsWith("```", StringComparison.Ordinal) || text.Length < 6)
        {
            return text;
        }

        int firstLine = text.IndexOf('\n', StringComparison.Ordinal);
        return firstLine < 0 ? text : text[(firstLine + 1)..^3].Trim();
    }
}
