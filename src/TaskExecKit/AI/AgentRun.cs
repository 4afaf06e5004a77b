using System.Globalization;
using Microsoft.Extensions.AI;
using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Telemetry;

namespace TaskExecKit.AI;

/// <summary>
/// The state of one <see cref="AIAgent"/> run: the effect gate every tool call passes, the tool
/// calls made, the model calls and tokens counted against the bounds. One per run, never shared.
/// </summary>
internal sealed class AgentRun
{
    private readonly Lock _lock = new();
    private readonly List<AgentToolCall> _toolCalls = [];
    private readonly List<ContentFilterEvent> _filterEvents = [];
    private readonly long _started;

    private readonly AgentContext? _task;

    internal AgentRun(AIAgent agent, AgentContext? task = null)
    {
        Agent = agent;
        _task = task;
        Policy = task?.Policy ?? agent.Policy;
        _started = agent.TimeProvider.GetTimestamp();
    }

    internal AIAgent Agent { get; }

    /// <summary>Gets the budgets of the agent's budget middleware, checked before and charged after each model call.</summary>
    internal IReadOnlyList<BudgetLedger> Ledgers { get; init; } = [];

    /// <summary>Gets the policy tool calls are checked against: the agent's, or the plan task's when the agent runs as a task's agent.</summary>
    internal EffectPolicy Policy { get; }

    internal int ModelCalls { get; private set; }

    internal long InputTokens { get; private set; }

    internal long OutputTokens { get; private set; }

    /// <summary>Gets the estimated cost of the run's model calls so far, or null once a call's model had no price.</summary>
    internal decimal? CostEstimate => _costUnknown ? null : _cost;

    private decimal _cost;
    private bool _costUnknown;

    /// <summary>Gets the timestamp the run started at, on the agent's clock.</summary>
    internal long Started => _started;

    /// <summary>Gets the content already checked by the content filters, with what replaced it: the function invoker sends the same objects on every call.</summary>
    internal Dictionary<AIContent, AIContent> FilterCache { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Gets or sets the functions offered in this run, created once for all its turns.</summary>
    internal IList<AITool>? Functions { get; set; }

    internal string LastText { get; private set; } = string.Empty;

    internal string? AnsweringModel { get; private set; }

    /// <summary>Gets the provider of a fallback chain that gave the last answer, or null without a chain.</summary>
    internal string? AnsweringProvider { get; private set; }

    /// <summary>Gets the first effect the policy denied in this run, with its resolved target, or null.</summary>
    internal (Capability Capability, string? Resolved)? FirstDenial { get; private set; }

    /// <summary>Gets or sets the names of the functions offered in this run.</summary>
    internal IReadOnlySet<string>? ToolNames { get; set; }

    internal IReadOnlyList<AgentToolCall> ToolCalls
    {
        get
        {
            lock (_lock)
            {
                return [.. _toolCalls];
            }
        }
    }

    /// <summary>Checks a tool's effect against the policy, audits it, and gives the resolved target when allowed.</summary>
    internal bool Allow(Capability requested, out string? resolved)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        bool allowed = _task is not null
            ? _task.Evaluate(requested, path, out resolved)
            : Policy.Evaluate(requested, path, out resolved);
        if (!allowed)
        {
            lock (_lock)
            {
                FirstDenial ??= (requested, resolved);
            }
        }

        Agent.Telemetry?.RecordEffect(requested.ToString(), resolved ?? requested.Target, allowed, allowed ? null : "not granted to the AI agent", Agent.Id);
        return allowed;
    }

    internal IReadOnlyList<ContentFilterEvent> FilterEvents
    {
        get
        {
            lock (_lock)
            {
                return [.. _filterEvents];
            }
        }
    }

    internal void RecordFilterEvent(ContentFilterEvent filterEvent)
    {
        lock (_lock)
        {
            _filterEvents.Add(filterEvent);
        }

        Agent.Telemetry?.RecordEffect("ai.content_filter:" + filterEvent.Source.ToString(), filterEvent.Action.ToString(), filterEvent.Action != ContentFilterAction.Block, filterEvent.Reason, Agent.Id);
    }

    internal void RecordToolCall(AgentToolCall call)
    {
        lock (_lock)
        {
            _toolCalls.Add(call);
        }
    }

    /// <summary>Called before each model call: enforces the wall-time bound and the iteration backstop.</summary>
    internal void BeforeModelCall()
    {
        var budget = Agent.Budget;
        TimeSpan elapsed = Agent.TimeProvider.GetElapsedTime(_started);
        if (budget.MaxWallTime is { } wall && elapsed >= wall)
        {
            throw new AgentBoundReachedException(AgentStopReason.WallTimeBudget, WallTimeDetail(wall));
        }

        if (ModelCalls >= Agent.MaxIterations)
        {
            throw new AgentBoundReachedException(AgentStopReason.MaxIterations, IterationsDetail());
        }

        try
        {
            // A budget above the agent (budget middleware, a commander's share) is checked before every model call.
            _task?.BeforeModelCall();
        }
        catch (BudgetExhaustedException ex)
        {
            throw new AgentBoundReachedException(LedgerChatClient.StopReasonFor(ex.Limit), ex.Message);
        }
    }

    /// <summary>Called after each model call: counts tokens, records telemetry, enforces the token and iteration bounds.</summary>
    internal void AfterModelCall(ChatResponse response, TimeSpan latency)
    {
        ModelCalls++;
        long input = response.Usage?.InputTokenCount ?? 0;
        long output = response.Usage?.OutputTokenCount ?? 0;
        InputTokens += input;
        OutputTokens += output;
        AnsweringModel = response.ModelId ?? AnsweringModel;
        AnsweringProvider = ProviderChainChatClient.AnsweredBy(response) ?? AnsweringProvider;
        if (response.Text.Length > 0)
        {
            LastText = response.Text;
        }

        var (provider, model, cost) = PriceOf(response);

        if (cost is { } known)
        {
            _cost += known;
        }
        else
        {
            _costUnknown = true;
        }

        _task?.ReportUsage(input + output, cost ?? 0m);
        Agent.Telemetry?.RecordModelCall(new ModelCallRecord(Agent.Id, provider, model, input, output, latency, _task?.Task.Id) { CostEstimate = cost });

        if (Agent.Budget.MaxTokens is { } maxTokens && InputTokens + OutputTokens > maxTokens)
        {
            throw new AgentBoundReachedException(AgentStopReason.TokenBudget, string.Create(CultureInfo.InvariantCulture,
                $"The run used {InputTokens + OutputTokens} tokens, over the token budget of {maxTokens}; it was stopped after model call {ModelCalls}."));
        }

        if (cost is null && (Agent.Budget.MaxCost is not null || _task?.LimitsCost() == true || Ledgers.Any(l => l.LimitsCost())))
        {
            throw new AgentBoundReachedException(AgentStopReason.CostBudget, string.Create(CultureInfo.InvariantCulture,
                $"Model call {ModelCalls} was answered by {provider}/{model}, which has no price in the price table, so its cost is unknown and the cost budget cannot be kept; the run was stopped. Add a price with Price(\"{provider}\", \"{model}\", ...) or ai.toml's [prices.\"{provider}/{model}\"]."));
        }

        if (Agent.Budget.MaxCost is { } maxCost && _cost > maxCost)
        {
            throw new AgentBoundReachedException(AgentStopReason.CostBudget, string.Create(CultureInfo.InvariantCulture,
                $"The run cost an estimated {_cost:0.######}, over the cost budget of {maxCost}; it was stopped after model call {ModelCalls}."));
        }

        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        if (calls.Count > 0 && ModelCalls >= Agent.MaxIterations)
        {
            throw new AgentBoundReachedException(AgentStopReason.MaxIterations, IterationsDetail());
        }

        // The function invoker answers a call to a tool the agent does not have; record it too.
        foreach (var call in calls)
        {
            if (ToolNames?.Contains(call.Name) != true)
            {
                RecordToolCall(new AgentToolCall(call.Name, string.Empty, ToolCallOutcome.Failed, "the agent has no tool of this name"));
            }
        }
    }

    /// <summary>
    /// Prices one model call with the agent's table: the provider that answered and the model it reported, falling
    /// back to the model asked for (providers answer with names of their own: aliases, snapshots). Null when unknown.
    /// </summary>
    internal (string Provider, string Model, decimal? Cost) PriceOf(ChatResponse response)
    {
        long input = response.Usage?.InputTokenCount ?? 0;
        long output = response.Usage?.OutputTokenCount ?? 0;
        string provider = ProviderChainChatClient.AnsweredBy(response) ?? AnsweringProvider ?? Agent.ProviderName;
        string model = response.ModelId ?? Agent.Model ?? Agent.ProviderName;
        decimal? cost = Agent.Prices.EstimateCost(provider, model, input, output);
        if (cost is null && response.ModelId is not null && Agent.Model is { } asked && provider == Agent.ProviderName)
        {
            cost = Agent.Prices.EstimateCost(provider, asked, input, output);
        }

        return (provider, model, cost);
    }

    internal static string WallTimeDetail(TimeSpan wall) => string.Create(CultureInfo.InvariantCulture,
        $"The run took longer than the wall-time budget of {wall}; it was stopped.");

    private string IterationsDetail() => string.Create(CultureInfo.InvariantCulture,
        $"The model still asked for tools after {ModelCalls} model calls, the limit set by MaxIterations({Agent.MaxIterations}); the run was stopped and those tool calls did not run.");
}

/// <summary>Thrown inside the pipeline when a bound ends the run; <see cref="AIAgent"/> turns it into a result.</summary>
internal sealed class AgentBoundReachedException : Exception
{
    internal AgentBoundReachedException(AgentStopReason reason, string detail)
        : base(detail)
    {
        Reason = reason;
    }

    internal AgentStopReason Reason { get; }
}

/// <summary>The innermost middleware: bounds, token counting and model-call telemetry around the provider.</summary>
internal sealed class AgentRunChatClient : DelegatingChatClient
{
    private readonly AgentRun _run;

    internal AgentRunChatClient(IChatClient inner, AgentRun run)
        : base(inner)
    {
        _run = run;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        _run.BeforeModelCall();
        long start = _run.Agent.TimeProvider.GetTimestamp();
        ChatResponse response;
        if (_run.Agent.RequestTimeout is { } limit)
        {
            using var timeout = new CancellationTokenSource(limit, _run.Agent.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                response = await base.GetResponseAsync(messages, options, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"The model request took longer than {limit}, the limit set by RequestTimeout (ai.toml's timeout); the run was stopped."), ex);
            }
        }
        else
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        _run.AfterModelCall(response, _run.Agent.TimeProvider.GetElapsedTime(start));
        return response;
    }

    /// <summary>Streams by asking for the whole response, so that the same bounds and counts apply.</summary>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }
}

/// <summary>Shields the agent's client from the per-run pipeline's disposal: the agent does not own a client it was given.</summary>
internal sealed class BorrowedChatClient(IChatClient inner) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => inner.GetResponseAsync(messages, options, cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => inner.GetStreamingResponseAsync(messages, options, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);

    public void Dispose()
    {
        // The inner client belongs to whoever built the agent.
    }
}
