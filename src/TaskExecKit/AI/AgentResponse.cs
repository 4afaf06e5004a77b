namespace TaskExecKit.AI;

/// <summary>Why an <see cref="AIAgent"/> run ended.</summary>
public enum AgentStopReason
{
    /// <summary>The model gave its final answer within every bound.</summary>
    Completed,

    /// <summary>The model still asked for tools after the largest allowed number of model calls.</summary>
    MaxIterations,

    /// <summary>The tokens used (input plus output, over every model call) went over the token budget.</summary>
    TokenBudget,

    /// <summary>The run took longer than the wall-time budget.</summary>
    WallTimeBudget,

    /// <summary>A <see cref="ContentFilter"/> blocked the prompt, the model's text or a tool call the model asked for.</summary>
    ContentFiltered,

    /// <summary>A structured answer (<see cref="AIAgent.RunAsync{T}(string, CancellationToken)"/>) still did not match its schema after the allowed attempts, so it was refused.</summary>
    InvalidOutput,

    /// <summary>
    /// The estimated cost went over the cost budget (<see cref="AgentBudget.MaxCost"/>, or a budget above the
    /// agent's such as a plan's), or a model call's cost could not be estimated while a cost budget applies.
    /// </summary>
    CostBudget,
}

/// <summary>How a tool call the model asked for ended.</summary>
public enum ToolCallOutcome
{
    /// <summary>The tool ran and its result went back to the model.</summary>
    Succeeded,

    /// <summary>The tool ran (or its arguments were read) and failed; the error went back to the model.</summary>
    Failed,

    /// <summary>The effect policy did not allow the call, so the tool did not run; the denial went back to the model.</summary>
    Denied,
}

/// <summary>Tokens used by a run, summed over its model calls, as the provider reported them, and the cost they are estimated at.</summary>
/// <param name="InputTokens">Tokens sent to the model.</param>
/// <param name="OutputTokens">Tokens the model produced.</param>
/// <param name="CostEstimate">
/// The estimated cost of every model call of the run, priced with the agent's <see cref="AIPriceTable"/>
/// (US dollars with the default table); null when any call's model has no price. 0 for the offline provider.
/// </param>
public readonly record struct AgentUsage(long InputTokens, long OutputTokens, decimal? CostEstimate = null)
{
    /// <summary>Gets input plus output tokens.</summary>
    public long TotalTokens => InputTokens + OutputTokens;
}

/// <summary>One tool call the model asked for during a run.</summary>
/// <param name="Name">The tool's name as the model sees it, e.g. <c>file_read</c>.</param>
/// <param name="Arguments">A short summary of the arguments (values are shortened).</param>
/// <param name="Outcome">Whether it ran, failed or was denied.</param>
/// <param name="Detail">For a denial, the capability that was not granted; for a failure, the error; otherwise null.</param>
public sealed record AgentToolCall(string Name, string Arguments, ToolCallOutcome Outcome, string? Detail);

/// <summary>What an <see cref="AIAgent"/> run produced and why it ended.</summary>
public sealed class AgentResponse
{
    internal AgentResponse(string text, string provider, string model, AgentUsage usage, IReadOnlyList<AgentToolCall> toolCalls, int modelCalls, AgentStopReason stopReason, string? stopDetail,
        IReadOnlyList<ContentFilterEvent>? contentFilterEvents = null)
    {
        ContentFilterEvents = contentFilterEvents ?? [];
        Text = text;
        Provider = provider;
        Model = model;
        Usage = usage;
        ToolCalls = toolCalls;
        ModelCalls = modelCalls;
        StopReason = stopReason;
        StopDetail = stopDetail;
    }

    /// <summary>Gets the model's last text: its answer, or what it had said when a bound stopped the run (possibly empty).</summary>
    public string Text { get; }

    /// <summary>Gets the provider that answered, e.g. <c>offline</c>, or the name a custom client reports.</summary>
    public string Provider { get; }

    /// <summary>Gets the model that answered, as the provider reported it (or as configured when it did not).</summary>
    public string Model { get; }

    /// <summary>Gets the tokens used over every model call of the run.</summary>
    public AgentUsage Usage { get; }

    /// <summary>Gets the tool calls the model asked for, in order, including denied ones.</summary>
    public IReadOnlyList<AgentToolCall> ToolCalls { get; }

    /// <summary>Gets how many model calls the run made.</summary>
    public int ModelCalls { get; }

    /// <summary>Gets why the run ended.</summary>
    public AgentStopReason StopReason { get; }

    /// <summary>Gets a sentence naming the bound and its value when a bound ended the run; null when it completed.</summary>
    public string? StopDetail { get; }

    /// <summary>Gets a value indicating whether the model finished within every bound.</summary>
    public bool IsCompleted => StopReason == AgentStopReason.Completed;

    /// <summary>Gets the tool calls the effect policy denied (they did not run), in order; a subset of <see cref="ToolCalls"/>.</summary>
    public IReadOnlyList<AgentToolCall> Denials => [.. ToolCalls.Where(c => c.Outcome == ToolCallOutcome.Denied)];

    /// <summary>Gets every replace or block by the agent's content filters during the run, in order.</summary>
    public IReadOnlyList<ContentFilterEvent> ContentFilterEvents { get; }
}

/// <summary>
/// A structured answer from <see cref="AIAgent.RunAsync{T}(string, CancellationToken)"/>: the run, and
/// the answer read as <typeparamref name="T"/> once it matched the schema. When it never matched,
/// <see cref="Value"/> is default, <see cref="IsValid"/> is false and <see cref="Errors"/> says why.
/// </summary>
/// <typeparam name="T">The type the answer is read as.</typeparam>
public sealed class AgentResponse<T>
{
    internal AgentResponse(AgentResponse response, T? value, bool isValid, IReadOnlyList<string> errors, int attempts)
    {
        Response = response;
        Value = value;
        IsValid = isValid;
        Errors = errors;
        Attempts = attempts;
    }

    /// <summary>Gets the run: the raw answer text, tool calls, usage and why it ended.</summary>
    public AgentResponse Response { get; }

    /// <summary>Gets the answer, checked against the schema; default when <see cref="IsValid"/> is false.</summary>
    public T? Value { get; }

    /// <summary>Gets a value indicating whether the answer matched the schema (and the run completed).</summary>
    public bool IsValid { get; }

    /// <summary>Gets the problems with the last answer (empty when valid), each naming the JSON path.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>Gets how many answers the model gave (1 when the first was valid).</summary>
    public int Attempts { get; }
}
