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
public sealed class AIAgent
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

    /// <summary>Gets the largest number of model calls in one run.</summary>
    public int MaxIterations { get; }

    /// <summary>Gets how long one model request may take, or null for no limit.</summary>
    public TimeSpan? RequestTimeout { get; }

    internal TimeProvider TimeProvider { get; }

    internal TelemetrySystem? Telemetry { get; }

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
    public Task<AgentResponse> RunAsync(string prompt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        return RunAsync(prompt, task: null, cancellationToken);
    }

    private async Task<AgentResponse> RunAsync(string prompt, AgentContext? task, CancellationToken cancellationToken)
        => (await RunCoreAsync(prompt, task, cancellationToken).ConfigureAwait(false)).Response;

    /// <summary>Runs one prompt; with a plan task's context, its tool calls are checked against the task's policy and audited as the task's effects.</summary>
    internal async Task<(AgentResponse Response, AgentRun Run)> RunCoreAsync(string prompt, AgentContext? task, CancellationToken cancellationToken)
    {
        var run = new AgentRun(this, task);
        var functions = new List<AITool>();
        foreach (var tool in _tools)
        {
            functions.AddRange(tool.CreateFunctions(run));
        }

        foreach (var function in _functions)
        {
            functions.Add(GatedFunction.ForCustom(function, run));
        }

        run.ToolNames = functions.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        using var pipeline = new ChatClientBuilder(new BorrowedChatClient(_client))
            .UseFunctionInvocation(configure: invoker =>
            {
                invoker.MaximumIterationsPerRequest = MaxIterations;
                invoker.AllowConcurrentInvocation = false;
                invoker.IncludeDetailedErrors = false;
            })
            .Use(inner => new AgentRunChatClient(inner, run))
            .Build();

        var messages = new List<ChatMessage>(2);
        if (_instructions is not null)
        {
            messages.Add(new ChatMessage(ChatRole.System, _instructions));
        }

        messages.Add(new ChatMessage(ChatRole.User, prompt));
        var options = new ChatOptions { ModelId = Model, Tools = functions.Count > 0 ? functions : null };

        using var wallTime = Budget.MaxWallTime is { } wall ? new CancellationTokenSource(wall, TimeProvider) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wallTime.Token);
        AgentStopReason reason = AgentStopReason.Completed;
        string? detail = null;
        string text;
        try
        {
            ChatResponse response = await pipeline.GetResponseAsync(messages, options, linked.Token).ConfigureAwait(false);
            text = response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant)?.Text ?? string.Empty;
        }
        catch (AgentBoundReachedException bound)
        {
            (reason, detail, text) = (bound.Reason, bound.Message, run.LastText);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && wallTime.IsCancellationRequested)
        {
            (reason, detail, text) = (AgentStopReason.WallTimeBudget, AgentRun.WallTimeDetail(Budget.MaxWallTime!.Value), run.LastText);
        }

        if (reason != AgentStopReason.Completed)
        {
            double value = reason switch
            {
                AgentStopReason.TokenBudget => run.InputTokens + run.OutputTokens,
                AgentStopReason.WallTimeBudget => Budget.MaxWallTime!.Value.TotalSeconds,
                _ => run.ModelCalls,
            };
            Telemetry?.RecordLimitHit("ai." + reason.ToString(), value, Id);
        }

        return (new AgentResponse(text, run.AnsweringProvider ?? ProviderName, run.AnsweringModel ?? Model ?? ProviderName, new AgentUsage(run.InputTokens, run.OutputTokens),
            run.ToolCalls, run.ModelCalls, reason, detail), run);
    }
}
