using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using TaskExecKit.Agents;
using TaskExecKit.AI;
using TaskExecKit.Effects;
using TaskExecKit.Telemetry;

namespace TaskExecKit;

/// <summary>
/// An agent that answers a prompt with a model and tools, inside an effect policy and a budget.
/// The model is any <see cref="IChatClient"/>; the tool-call loop is Microsoft.Extensions.AI's
/// function invocation, bounded by <see cref="MaxIterations"/>. Every tool call is checked against
/// <see cref="Policy"/> first: an ungranted call is answered with a denial and does not run. Build one
/// with <see cref="Builder"/>; it is immutable and may run several prompts at once.
/// </summary>
/// <remarks>Not Microsoft Agent Framework's <c>AIAgent</c>: this one lives in the <c>TaskExecKit</c> namespace.</remarks>
public sealed partial class AIAgent
{
    private readonly IChatClient _client;
    private readonly IReadOnlyList<AgentTool> _tools;
    private readonly IReadOnlyList<AIFunction> _functions;
    private readonly string? _instructions;

    internal AIAgent(string id, IChatClient client, string providerName, string? model, IReadOnlyList<AgentTool> tools, IReadOnlyList<AIFunction> functions,
        string? instructions, EffectPolicy policy, AgentBudget budget, int maxIterations, TimeProvider timeProvider, TelemetrySystem? telemetry, TimeSpan? requestTimeout = null)
    {
        Id = id;
        _client = client;
        ProviderName = providerName;
        Model = model;
        _tools = tools;
        _functions = functions;
        _instructions = instructions;
        Policy = policy;
        Budget = budget;
        MaxIterations = maxIterations;
        TimeProvider = timeProvider;
        Telemetry = telemetry;
        RequestTimeout = requestTimeout;
    }

    /// <summary>Gets the agent's id, used in telemetry and the audit trail.</summary>
    public string Id { get; }

    /// <summary>Gets the name of the provider, e.g. <c>offline</c>, or the name a custom client reports.</summary>
    public string ProviderName { get; }

    /// <summary>Gets the providers asked in order: the first, then the fallbacks that could be set up (one name without a chain).</summary>
    public IReadOnlyList<string> ProviderChain { get; internal init; } = [];

    /// <summary>Gets the providers of the fallback chain that could not be set up (no key, no package), with the reason.</summary>
    public IReadOnlyList<SkippedProvider> SkippedProviders { get; internal init; } = [];

    /// <summary>Gets the model asked for, or null to use the client's default.</summary>
    public string? Model { get; }

    /// <summary>Gets the effects the agent's tools may perform; nothing else is allowed.</summary>
    public EffectPolicy Policy { get; }

    /// <summary>Gets the budget every run is held to.</summary>
    public AgentBudget Budget { get; }

    /// <summary>Gets the prices model calls are estimated with (<see cref="AIPriceTable.Default"/> unless the builder or <c>ai.toml</c> set others).</summary>
    public AIPriceTable Prices { get; internal init; } = AIPriceTable.Default;

    /// <summary>Gets the largest number of model calls in one run.</summary>
    public int MaxIterations { get; }

    /// <summary>Gets how long one model request may take, or null for no limit.</summary>
    public TimeSpan? RequestTimeout { get; }

    internal TimeProvider TimeProvider { get; }

    internal TelemetrySystem? Telemetry { get; }

    /// <summary>Gets the options added after the first version of the agent: middleware, filters, recording, tool timeout.</summary>
    internal AgentExtras Extras { get; init; } = AgentExtras.Default;

    /// <summary>Starts building an agent.</summary>
    /// <returns>A builder; call <see cref="AIAgentBuilder.Build"/> to get the agent.</returns>
    public static AIAgentBuilder Builder() => new();

    /// <summary>
    /// Runs one prompt to its end: the model answers, calling tools as it needs, until it gives a
    /// final answer or a bound (iterations, tokens, wall time) stops it. A bound never throws: the
    /// response says which bound was reached in <see cref="AgentResponse.StopReason"/>.
    /// </summary>
    /// <param name="prompt">What to do.</param>
    /// <param name="cancellationToken">Cancels the run; cancellation is thrown, not reported as a result.</param>
    /// <returns>The answer, the tool calls made and why the run ended.</returns>
#pragma warning disable RS0026 // See RunAsync<T>.
    public Task<AgentResponse> RunAsync(string prompt, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        return RunAsync(prompt, task: null, cancellationToken);
    }

    private async Task<AgentResponse> RunAsync(string prompt, AgentContext? task, CancellationToken cancellationToken)
        => (await RunWithMiddlewareAsync(prompt, task, cancellationToken).ConfigureAwait(false)).Response;

    /// <summary>
    /// Runs one prompt and reads the answer as <typeparamref name="T"/>: the model is asked for JSON
    /// matching the JSON schema of <typeparamref name="T"/> (sent as the response format and in the
    /// instructions), and the answer is checked against that schema and read strictly (no unknown
    /// properties, required and non-nullable members present) before you get it. An answer that does
    /// not match is sent back to the model with the problems, up to <see cref="MaxAnswerAttempts"/>
    /// answers in all; then it is refused: <see cref="AgentResponse{T}.IsValid"/> is false and the stop
    /// reason is <see cref="AgentStopReason.InvalidOutput"/>. All attempts share one budget and one
    /// iteration limit.
    /// </summary>
    /// <typeparam name="T">The answer's type: a record, a class, a list, a primitive.</typeparam>
    /// <param name="prompt">What to do.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The run and, when it matched, the answer.</returns>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode("Reads the answer with reflection-based System.Text.Json.")]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode("Reads the answer with reflection-based System.Text.Json.")]
#pragma warning disable RS0026 // Overloads with an optional token: they differ by type parameter or schema, never by an optional parameter alone.
    public Task<AgentResponse<T>> RunAsync<T>(string prompt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        JsonElement schema = AIJsonUtilities.CreateJsonSchema(typeof(T), serializerOptions: StructuredJson.Options);
        return RunStructuredWithMiddlewareAsync(prompt, (p, ledgers, ct) => RunStructuredAsync(p, ledgers, schema, typeof(T).Name, json => json.Deserialize<T>(StructuredJson.Options), ct), cancellationToken);
    }

    /// <summary>
    /// Runs one prompt and checks the answer against a JSON schema you give, as
    /// <see cref="RunAsync{T}(string, CancellationToken)"/> does, returning it as JSON.
    /// </summary>
    /// <param name="prompt">What to do.</param>
    /// <param name="schema">The JSON schema the answer must match.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The run and, when it matched, the answer.</returns>
    public Task<AgentResponse<JsonElement>> RunAsync(string prompt, JsonElement schema, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        if (schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True))
        {
            throw new ArgumentException("The schema must be a JSON object (or true).", nameof(schema));
        }

        JsonElement copy = schema.Clone();
        return RunStructuredWithMiddlewareAsync(prompt, (p, ledgers, ct) => RunStructuredAsync(p, ledgers, copy, "answer", json => json.Clone(), ct), cancellationToken);
    }

    /// <summary>Gets how many answers a structured run may ask for before it refuses (3 by default).</summary>
    public int MaxAnswerAttempts => Extras.MaxAnswerAttempts;

    private async Task<AgentResponse<T>> RunStructuredAsync<T>(string prompt, IReadOnlyList<BudgetLedger> ledgers, JsonElement schema, string schemaName, Func<JsonElement, T?> read, CancellationToken cancellationToken)
    {
        var run = new AgentRun(this, task: null) { Ledgers = ledgers };
        string schemaText = schema.GetRawText();
        var messages = StartMessages(prompt, "Answer with only a JSON value (no prose, no code fence) that matches this JSON schema:\n" + schemaText);
        var format = ChatResponseFormat.ForJsonSchema(schema, StructuredJson.SchemaName(schemaName));
        IReadOnlyList<string> errors = [];
        for (int attempt = 1; ; attempt++)
        {
            var turn = await TurnAsync(run, messages, format, cancellationToken).ConfigureAwait(false);
            if (turn.Reason != AgentStopReason.Completed)
            {
                return new AgentResponse<T>(ToResponse(run, turn), default, false, [turn.Detail ?? turn.Reason.ToString()], attempt);
            }

            (T? value, errors) = StructuredJson.Check(turn.Text, schema, read);
            if (errors.Count == 0)
            {
                return new AgentResponse<T>(ToResponse(run, turn), value, true, [], attempt);
            }

            if (attempt >= Extras.MaxAnswerAttempts)
            {
                string detail = string.Create(CultureInfo.InvariantCulture,
                    $"The answer did not match the schema after {attempt} attempts (MaxAnswerAttempts), so it was refused: {string.Join("; ", errors)}");
                return new AgentResponse<T>(ToResponse(run, turn with { Reason = AgentStopReason.InvalidOutput, Detail = detail }), default, false, errors, attempt);
            }

            messages.Add(new ChatMessage(ChatRole.User,
                "Your answer does not match the JSON schema: " + string.Join("; ", errors) + ". Answer again with only a JSON value that matches the schema."));
        }
    }

    /// <summary>Runs one prompt; with a plan task's context, its tool calls are checked against the task's policy and audited as the task's effects.</summary>
    internal Task<(AgentResponse Response, AgentRun Run)> RunCoreAsync(string prompt, AgentContext? task, CancellationToken cancellationToken)
        => RunCoreAsync(prompt, task, extraInstructions: null, [], cancellationToken);

    /// <summary>Runs one prompt with a second system message after the agent's instructions (e.g. the planner's format rules).</summary>
    internal Task<(AgentResponse Response, AgentRun Run)> RunCoreAsync(string prompt, AgentContext? task, string? extraInstructions, CancellationToken cancellationToken)
        => RunCoreAsync(prompt, task, extraInstructions, [], cancellationToken);

    /// <summary>Runs one prompt; every model call is also checked against and charged to <paramref name="ledgers"/> (agent budget middleware).</summary>
    internal async Task<(AgentResponse Response, AgentRun Run)> RunCoreAsync(string prompt, AgentContext? task, string? extraInstructions, IReadOnlyList<BudgetLedger> ledgers, CancellationToken cancellationToken)
    {
        var run = new AgentRun(this, task) { Ledgers = ledgers };
        var messages = StartMessages(prompt, extraInstructions);
        if (Extras.Memory is { } memory)
        {
            messages.InsertRange(messages.Count - 1, await memory.GetHistoryAsync(Id, cancellationToken).ConfigureAwait(false));
        }

        var turn = await TurnAsync(run, messages, format: null, cancellationToken).ConfigureAwait(false);
        if (Extras.Memory is { } remember && turn.Reason == AgentStopReason.Completed)
        {
            await remember.AddTurnAsync(Id, prompt, turn.Text, _client, Model, cancellationToken).ConfigureAwait(false);
        }

        return (ToResponse(run, turn), run);
    }

    private List<ChatMessage> StartMessages(string prompt, string? extraInstructions)
    {
        var messages = new List<ChatMessage>(3);
        if (_instructions is not null)
        {
            messages.Add(new ChatMessage(ChatRole.System, _instructions));
        }

        if (extraInstructions is not null)
        {
            messages.Add(new ChatMessage(ChatRole.System, extraInstructions));
        }

        messages.Add(new ChatMessage(ChatRole.User, prompt));
        return messages;
    }

    /// <summary>The end of one pass of the tool-call loop: the last text and why it ended.</summary>
    private readonly record struct Turn(string Text, AgentStopReason Reason, string? Detail);

    /// <summary>Runs the tool-call loop over <paramref name="messages"/> once, appending the model's messages to them.</summary>
    private async Task<Turn> TurnAsync(AgentRun run, List<ChatMessage> messages, ChatResponseFormat? format, CancellationToken cancellationToken)
    {
        if (run.Functions is null)
        {
            var functions = new List<AITool>();
            foreach (var tool in _tools)
            {
                functions.AddRange(tool.CreateFunctions(run));
            }

            foreach (var function in _functions)
            {
                functions.Add(GatedFunction.ForCustom(function, run));
            }

            run.Functions = functions;
            run.ToolNames = functions.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        }

        using var pipeline = BuildPipeline(run);
        var options = new ChatOptions { ModelId = Model, Tools = run.Functions.Count > 0 ? run.Functions : null, ResponseFormat = format };

        TimeSpan? remaining = Budget.MaxWallTime is { } wall ? wall - TimeProvider.GetElapsedTime(run.Started) : null;
        if (remaining is { } left && left <= TimeSpan.Zero)
        {
            return new Turn(run.LastText, AgentStopReason.WallTimeBudget, AgentRun.WallTimeDetail(Budget.MaxWallTime!.Value));
        }

        using var wallTime = remaining is { } time ? new CancellationTokenSource(time, TimeProvider) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wallTime.Token);
        try
        {
            ChatResponse response = await pipeline.GetResponseAsync(messages, options, linked.Token).ConfigureAwait(false);
            messages.AddRange(response.Messages);
            return new Turn(response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant)?.Text ?? string.Empty, AgentStopReason.Completed, null);
        }
        catch (AgentBoundReachedException bound)
        {
            return new Turn(run.LastText, bound.Reason, bound.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && wallTime.IsCancellationRequested)
        {
            return new Turn(run.LastText, AgentStopReason.WallTimeBudget, AgentRun.WallTimeDetail(Budget.MaxWallTime!.Value));
        }
    }

    /// <summary>
    /// The run's pipeline, outermost first: function invocation (the tool-call loop), the run's bounds
    /// and telemetry, the content filters, the host's middleware (<see cref="AIAgentBuilder.Use(Func{IChatClient, IChatClient})"/>),
    /// the recorder, the response cache, then the provider.
    /// </summary>
    private IChatClient BuildPipeline(AgentRun run)
    {
        var builder = new ChatClientBuilder(new BorrowedChatClient(_client))
            .UseFunctionInvocation(configure: invoker =>
            {
                invoker.MaximumIterationsPerRequest = MaxIterations;
                invoker.AllowConcurrentInvocation = false;
                invoker.IncludeDetailedErrors = false;
            })
            .Use(inner => new AgentRunChatClient(inner, run));
        if (run.Ledgers.Count > 0)
        {
            builder.Use(inner => new LedgerChatClient(inner, run));
        }

        if (Extras.ContentFilters.Count > 0)
        {
            builder.Use(inner => new ContentFilterChatClient(inner, run, Extras.ContentFilters));
        }

        foreach (var middleware in Extras.Middleware)
        {
            builder.Use(inner => middleware(inner) ?? throw new InvalidOperationException("A Use(...) middleware returned null; it must return a chat client (e.g. its inner one)."));
        }

        if (Extras.Recorder is { } recorder)
        {
            builder.Use(inner => new RecordingChatClient(inner, recorder));
        }

        if (Extras.Cache is { } cache)
        {
            builder.Use(inner => new FileCachingChatClient(inner, cache, ProviderName));
        }

        return builder.Build();
    }

    private AgentResponse ToResponse(AgentRun run, Turn turn)
    {
        if (turn.Reason is AgentStopReason.TokenBudget or AgentStopReason.WallTimeBudget or AgentStopReason.MaxIterations or AgentStopReason.CostBudget)
        {
            double value = turn.Reason switch
            {
                AgentStopReason.TokenBudget => run.InputTokens + run.OutputTokens,
                AgentStopReason.WallTimeBudget => Budget.MaxWallTime?.TotalSeconds ?? TimeProvider.GetElapsedTime(run.Started).TotalSeconds,
                AgentStopReason.CostBudget => (double)(run.CostEstimate ?? 0m),
                _ => run.ModelCalls,
            };
            Telemetry?.RecordLimitHit("ai." + turn.Reason.ToString(), value, Id);
        }

        return new AgentResponse(turn.Text, run.AnsweringProvider ?? ProviderName, run.AnsweringModel ?? Model ?? ProviderName, new AgentUsage(run.InputTokens, run.OutputTokens, run.CostEstimate),
            run.ToolCalls, run.ModelCalls, turn.Reason, turn.Detail, run.FilterEvents);
    }
}
