using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Polly;
using TaskExecKit.Agents;
using TaskExecKit.AI;
using TaskExecKit.Telemetry;

namespace TaskExecKit;

/// <summary>
/// The ready agent middleware for <see cref="AIAgentBuilder"/> (each a <see cref="DelegatingAIAgent"/> around
/// every run of the agent): logging, telemetry, budget enforcement and retry. The same pieces exist for any
/// task agent in <see cref="TaskAgentMiddleware"/>. The first added is the outermost.
/// </summary>
public static class AIAgentMiddleware
{
    /// <summary>
    /// Logs each run's start and end (agent id, task id when it runs a plan task, stop reason, model calls,
    /// tokens, duration) with source-generated messages. Prompts, answers and tool arguments are never logged.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="loggerFactory">Where to log; category <c>TaskExecKit.AI</c>.</param>
    /// <returns>The builder.</returns>
    public static AIAgentBuilder UseLogging(this AIAgentBuilder builder, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var logger = loggerFactory.CreateLogger("TaskExecKit.AI");
        return builder.Use(inner => new LoggingAIAgent(inner, logger));
    }

    /// <summary>
    /// Records each run as a task started/finished pair under the agent's id (the plan task's id when it runs
    /// one, otherwise <c>&lt;agent id&gt;/run-&lt;n&gt;</c>), so runs from code show in metrics and <c>monitor</c>, and an
    /// <c>invoke_agent</c> activity on the <c>TaskExecKit</c> source with the <c>gen_ai.*</c> usage tags.
    /// (<see cref="AIAgentBuilder.Telemetry"/> records each model call; this records each run.)
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="telemetry">Where to record.</param>
    /// <returns>The builder.</returns>
    public static AIAgentBuilder UseTelemetry(this AIAgentBuilder builder, TelemetrySystem telemetry)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(telemetry);
        return builder.Use(inner => new TelemetryAIAgent(inner, telemetry));
    }

    /// <summary>
    /// Charges every run to a budget: a run starts only while the ledger (and its ancestors) have tasks, tokens,
    /// cost and wall time left and a running slot is free (each run counts as one task); every model call is
    /// checked against it first and its tokens charged after. A spent budget ends the run with
    /// <see cref="AgentStopReason.TokenBudget"/> (or <see cref="AgentStopReason.WallTimeBudget"/> when its wall
    /// time is up) and the ledger's reason in <see cref="AgentResponse.StopDetail"/>; it does not throw.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="ledger">The budget to charge, e.g. a commander's share.</param>
    /// <returns>The builder.</returns>
    public static AIAgentBuilder UseBudget(this AIAgentBuilder builder, BudgetLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(ledger);
        return builder.Use(inner => new BudgetAIAgent(inner, ledger));
    }

    /// <summary>
    /// Runs a run again when it throws a transient error (a provider's <see cref="AIProviderException"/> that
    /// says so, any transient <see cref="TaskExecKitException"/>, a <see cref="TimeoutException"/> from
    /// <see cref="AIAgentBuilder.RequestTimeout"/>), with Polly's retry: exponential back-off with jitter from
    /// <paramref name="delay"/>. A bound reached (tokens, iterations, wall time) is a response, not an error,
    /// and is not retried. The whole run is repeated, tool calls included; the provider chain's own retries
    /// happen inside each run.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="maxRetries">How often to retry, 1 to 100.</param>
    /// <param name="delay">The first back-off; zero by default.</param>
    /// <param name="timeProvider">The clock for delays; the system clock by default.</param>
    /// <returns>The builder.</returns>
    public static AIAgentBuilder UseRetry(this AIAgentBuilder builder, int maxRetries, TimeSpan? delay = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var pipeline = RetryPipelines.Build<AgentResponse>(maxRetries, delay, timeProvider,
            static outcome => outcome.Exception is TaskExecKitException { IsTransient: true } or TimeoutException);
        return builder.Use(inner => new RetryAIAgent(inner, pipeline));
    }

    /// <summary>A response for a run that a middleware ended before the model was asked.</summary>
    internal static AgentResponse Stopped(AIAgentRequest request, AgentStopReason reason, string detail)
        => new(string.Empty, request.Agent.ProviderName, request.Agent.Model ?? request.Agent.ProviderName, default, [], 0, reason, detail);
}

internal sealed partial class LoggingAIAgent(DelegatingAIAgent inner, ILogger logger) : DelegatingAIAgent(inner)
{
    public override async Task<AgentResponse> RunAsync(AIAgentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var time = request.Agent.TimeProvider;
        long started = time.GetTimestamp();
        string agent = request.Agent.Id;
        string? task = request.TaskContext?.Task.Id;
        Started(logger, agent, task);
        try
        {
            var response = await InnerAgent.RunAsync(request, cancellationToken).ConfigureAwait(false);
            double ms = time.GetElapsedTime(started).TotalMilliseconds;
            if (response.IsCompleted)
            {
                Completed(logger, agent, task, response.ModelCalls, response.Usage.TotalTokens, ms);
            }
            else
            {
                Stopped(logger, agent, task, response.StopReason, response.ModelCalls, response.Usage.TotalTokens, ms, response.StopDetail);
            }

            return response;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Threw(logger, agent, task, time.GetElapsedTime(started).TotalMilliseconds, ex.GetType().Name, ex.Message);
            throw;
        }
    }

    [LoggerMessage(EventId = 7111, Level = LogLevel.Debug, Message = "AI agent {Agent} starts a run (task {TaskId})")]
    private static partial void Started(ILogger logger, string agent, string? taskId);

    [LoggerMessage(EventId = 7112, Level = LogLevel.Information, Message = "AI agent {Agent} completed a run (task {TaskId}): {ModelCalls} model calls, {Tokens} tokens in {Milliseconds:0.#} ms")]
    private static partial void Completed(ILogger logger, string agent, string? taskId, int modelCalls, long tokens, double milliseconds);

    [LoggerMessage(EventId = 7113, Level = LogLevel.Warning, Message = "AI agent {Agent} stopped a run (task {TaskId}) with {StopReason}: {ModelCalls} model calls, {Tokens} tokens in {Milliseconds:0.#} ms: {Detail}")]
    private static partial void Stopped(ILogger logger, string agent, string? taskId, AgentStopReason stopReason, int modelCalls, long tokens, double milliseconds, string? detail);

    [LoggerMessage(EventId = 7114, Level = LogLevel.Warning, Message = "AI agent {Agent} threw {Exception} after {Milliseconds:0.#} ms (task {TaskId}): {Error}")]
    private static partial void Threw(ILogger logger, string agent, string? taskId, double milliseconds, string exception, string error);
}

internal sealed class TelemetryAIAgent(DelegatingAIAgent inner, TelemetrySystem telemetry) : DelegatingAIAgent(inner)
{
    private long _runs;

    public override async Task<AgentResponse> RunAsync(AIAgentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string agent = request.Agent.Id;
        string taskId = request.TaskContext?.Task.Id ?? string.Create(CultureInfo.InvariantCulture, $"{agent}/run-{Interlocked.Increment(ref _runs)}");
        using Activity? activity = telemetry.StartTaskActivity(taskId, agent);
        activity?.SetTag("gen_ai.operation.name", "invoke_agent");
        activity?.SetTag("gen_ai.agent.id", agent);
        activity?.SetTag("gen_ai.provider.name", request.Agent.ProviderName);
        var time = request.Agent.TimeProvider;
        long started = time.GetTimestamp();
        telemetry.RecordTaskStarted(taskId, agent);
        TaskOutcome outcome = TaskOutcome.Failed;
        try
        {
            var response = await InnerAgent.RunAsync(request, cancellationToken).ConfigureAwait(false);
            outcome = response.IsCompleted ? TaskOutcome.Succeeded : TaskOutcome.Failed;
            activity?.SetTag("gen_ai.usage.input_tokens", response.Usage.InputTokens);
            activity?.SetTag("gen_ai.usage.output_tokens", response.Usage.OutputTokens);
            activity?.SetTag("gen_ai.response.model", response.Model);
            activity?.SetTag("taskexeckit.ai.stop_reason", response.StopReason.ToString());
            return response;
        }
        catch (OperationCanceledException)
        {
            outcome = TaskOutcome.Cancelled;
            throw;
        }
        finally
        {
            telemetry.RecordTaskFinished(taskId, agent, outcome, time.GetElapsedTime(started));
        }
    }
}

internal sealed class BudgetAIAgent(DelegatingAIAgent inner, BudgetLedger ledger) : DelegatingAIAgent(inner)
{
    public override async Task<AgentResponse> RunAsync(AIAgentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var slot = await ledger.EnterAsync(cancellationToken).ConfigureAwait(false);
        if (!ledger.TryStartTask(out string? reason, out BudgetLimit limit))
        {
            return AIAgentMiddleware.Stopped(request, LedgerChatClient.StopReasonFor(limit), "Budget exhausted: " + reason);
        }

        var charged = request.WithLedger(ledger);
        if (ledger.RemainingWallTime() is not { } left)
        {
            return await InnerAgent.RunAsync(charged, cancellationToken).ConfigureAwait(false);
        }

        using var deadline = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, request.Agent.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await InnerAgent.RunAsync(charged, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _ = ledger.CanSpend(out string? why);
            return AIAgentMiddleware.Stopped(request, AgentStopReason.WallTimeBudget, "Budget exhausted: " + (why ?? $"the wall time of '{ledger.Name}' is up"));
        }
    }
}

internal sealed class RetryAIAgent(DelegatingAIAgent inner, ResiliencePipeline<AgentResponse> pipeline) : DelegatingAIAgent(inner)
{
    public override Task<AgentResponse> RunAsync(AIAgentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return pipeline.ExecuteAsync(static async (state, ct) => await state.Inner.RunAsync(state.Request, ct).ConfigureAwait(false), (Inner: InnerAgent, Request: request), cancellationToken).AsTask();
    }
}

/// <summary>
/// Checks the budgets of <see cref="AIAgentMiddleware.UseBudget"/> before each model call of a run and charges
/// the call's tokens and estimated cost to them after: placed just inside the run's bounds, so a spent budget ends
/// the run as a bound does (and a call of unknown cost under a cost limit ends it too, in the run's own check).
/// </summary>
internal sealed class LedgerChatClient(IChatClient inner, AgentRun run) : DelegatingChatClient(inner)
{

    // A ledger charges its ancestors itself: charge only those that are no ancestor of another one here.
    private readonly BudgetLedger[] _charged = [.. run.Ledgers.Where(l => !run.Ledgers.Any(other => IsAncestor(l, other))).Distinct()];

    /// <summary>The stop reason for a spent limit: cost and wall time have their own; tokens and the task count end as <see cref="AgentStopReason.TokenBudget"/>.</summary>
    internal static AgentStopReason StopReasonFor(BudgetLimit limit) => limit switch
    {
        BudgetLimit.Cost => AgentStopReason.CostBudget,
        BudgetLimit.WallTime => AgentStopReason.WallTimeBudget,
        _ => AgentStopReason.TokenBudget,
    };

    private static bool IsAncestor(BudgetLedger candidate, BudgetLedger of)
    {
        for (var p = of.Parent; p is not null; p = p.Parent)
        {
            if (ReferenceEquals(p, candidate))
            {
                return true;
            }
        }

        return false;
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        foreach (var ledger in run.Ledgers)
        {
            if (!ledger.CanSpend(out string? reason, out BudgetLimit limit))
            {
                throw new AgentBoundReachedException(StopReasonFor(limit), "Budget exhausted: " + reason);
            }
        }

        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        long tokens = (response.Usage?.InputTokenCount ?? 0) + (response.Usage?.OutputTokenCount ?? 0);
        decimal cost = run.PriceOf(response).Cost ?? 0m;
        foreach (var ledger in _charged)
        {
            ledger.Charge(tokens, cost);
        }

        return response;
    }
}
