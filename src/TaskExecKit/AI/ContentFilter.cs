namespace TaskExecKit.AI;

/// <summary>Where a piece of text checked by a <see cref="ContentFilter"/> comes from.</summary>
public enum ContentSource
{
    /// <summary>The prompt given to <see cref="AIAgent.RunAsync(string, CancellationToken)"/> (and earlier prompts kept in memory), on its way to the model.</summary>
    Prompt,

    /// <summary>A tool's result, on its way back to the model.</summary>
    ToolResult,

    /// <summary>Text the model wrote, before the agent uses or returns it.</summary>
    ModelText,

    /// <summary>The arguments of a tool call the model asked for, as a JSON object, before the tool runs.</summary>
    ToolCallArguments,
}

/// <summary>What a <see cref="ContentFilter"/> decided.</summary>
public enum ContentFilterAction
{
    /// <summary>The text passes unchanged.</summary>
    Allow,

    /// <summary>The text passes, replaced by <see cref="ContentFilterResult.Text"/> (e.g. with a secret masked).</summary>
    Replace,

    /// <summary>The text does not pass; see <see cref="ContentFilterResult.Reason"/>.</summary>
    Block,
}

/// <summary>A <see cref="ContentFilter"/>'s decision about one piece of text.</summary>
public sealed class ContentFilterResult
{
    private ContentFilterResult(ContentFilterAction action, string? text, string? reason)
    {
        Action = action;
        Text = text;
        Reason = reason;
    }

    /// <summary>Gets the result that lets the text pass unchanged.</summary>
    public static ContentFilterResult Allow { get; } = new(ContentFilterAction.Allow, null, null);

    /// <summary>Gets what the filter decided.</summary>
    public ContentFilterAction Action { get; }

    /// <summary>Gets the replacement text for <see cref="ContentFilterAction.Replace"/>; otherwise null.</summary>
    public string? Text { get; }

    /// <summary>Gets why the text was replaced or blocked (shown to the host, never the text itself); null to allow.</summary>
    public string? Reason { get; }

    /// <summary>Lets the text pass replaced by other text. For <see cref="ContentSource.ToolCallArguments"/> the replacement must be a JSON object.</summary>
    /// <param name="text">The text to use instead.</param>
    /// <param name="reason">Why, e.g. <c>masked an API key</c>.</param>
    /// <returns>The result.</returns>
    public static ContentFilterResult Replace(string text, string reason)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(ContentFilterAction.Replace, text, reason);
    }

    /// <summary>Stops the text.</summary>
    /// <param name="reason">Why, e.g. <c>asks for credentials</c>.</param>
    /// <returns>The result.</returns>
    public static ContentFilterResult Block(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(ContentFilterAction.Block, null, reason);
    }
}

/// <summary>
/// A host's check on the text that goes into the model (prompts, tool results) and comes out of it
/// (text, tool-call arguments). Add one with <see cref="AIAgentBuilder.ContentFilter"/>; it runs in
/// the agent's pipeline around every model call, so neither the model nor a tool result can skip it.
/// A blocked prompt, model text or tool call ends the run with <see cref="AgentStopReason.ContentFiltered"/>
/// (the tool does not run); a blocked tool result is withheld from the model, which is told so, and the
/// run goes on. Every replace or block is listed in <see cref="AgentResponse.ContentFilterEvents"/>.
/// </summary>
public abstract class ContentFilter
{
    /// <summary>Checks one piece of text.</summary>
    /// <param name="text">The text.</param>
    /// <param name="source">Where it comes from.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>Allow, replace or block.</returns>
    public abstract ValueTask<ContentFilterResult> CheckAsync(string text, ContentSource source, CancellationToken cancellationToken);

    /// <summary>Creates a filter from a function.</summary>
    /// <param name="check">Decides for one piece of text and its source.</param>
    /// <returns>The filter.</returns>
    public static ContentFilter Create(Func<string, ContentSource, ContentFilterResult> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        return new DelegateContentFilter(check);
    }

    private sealed class DelegateContentFilter(Func<string, ContentSource, ContentFilterResult> check) : ContentFilter
    {
        public override ValueTask<ContentFilterResult> CheckAsync(string text, ContentSource source, CancellationToken cancellationToken)
            => ValueTask.FromResult(check(text, source) ?? ContentFilterResult.Allow);
    }
}

/// <summary>One replace or block by a <see cref="ContentFilter"/> during a run.</summary>
/// <param name="Source">Where the text came from.</param>
/// <param name="Action">What the filter did (never <see cref="ContentFilterAction.Allow"/>).</param>
/// <param name="Reason">The filter's reason.</param>
public sealed record ContentFilterEvent(ContentSource Source, ContentFilterAction Action, string Reason);
