using Microsoft.Extensions.Logging;
using Polly;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Agents;

/// <summary>The ready middleware for <see cref="TaskAgentBuilder"/>: logging, telemetry, budget enforcement and retry.</summary>
public static class TaskAgentMiddleware
{
    /// <summary>
    /// Logs each attempt's start and outcome (task id, agent name, attempt, duration, error) with
    /// source-generated messages. Prompts, answers and command output are never logged.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="loggerFactory">Where to log; category <c>TaskExecKit.Agents</c>.</param>
    /// <param name="agentName">The name to log the agent under.</param>
    /// <returns>The builder.</returns>
    public static TaskAgentBuilder UseLogging(this TaskAgentBuilder builder, ILoggerFactory loggerFactory, string agentName = "agent")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var logger = loggerFactory.CreateLogger("TaskExecKit.Agents");
        return builder.Use(inner => new LoggingTaskAgent(inner, logger, agentName));
    }

    /// <summary>
    /// Records each attempt as the agent's own task started/finished events (so agents inside a
    /// composite or a commander's stack get their own metrics) and an activity on the
    /// <c>TaskExecKit</c> source.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="telemetry">Where to record.</param>
    /// <param name="agentName">The agent id the events carry.</param>
    /// <returns>The builder.</returns>
    public static TaskAgentBuilder UseTelemetry(this TaskAgentBuilder builder, TelemetrySystem telemetry, string agentName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentException.ThrowIfNullOrWhiteSpace(agentName);
        return builder.Use(inner => new TelemetryTaskAgent(inner, telemetry, agentName));
    }

    /// <summary>
    /// Charges the agent's work to a budget: an attempt starts only while the ledger (and its
    /// ancestors) have tasks, tokens, cost and wall time left and a running slot is free; tokens
    /// the agent reports are charged as it spends them, and an AI agent checks the budget before
    /// every model call. A spent budget fails the attempt (not transient) with the reason.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="ledger">The budget to charge.</param>
    /// <returns>The builder.</returns>
    public static TaskAgentBuilder UseBudget(this TaskAgentBuilder builder, BudgetLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(ledger);
        return builder.Use(inner => new BudgetTaskAgent(inner, ledger));
    }

    /// <summary>
    /// Retries transient failures (a result or exception that says it is transient) inside one
    /// attempt with Polly's retry strategy: exponential back-off with jitter from <paramref name="delay"/>.
    /// The task's own <c>retries</c> still apply on top.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="maxRetries">How often to retry, 1 to 100.</param>
    /// <param name="delay">The first back-off; zero by default.</param>
    /// <param name="timeProvider">The clock for delays; the system clock by default.</param>
    /// <returns>The builder.</returns>
    public static TaskAgentBuilder UseRetry(this TaskAgentBuilder builder, int maxRetries, TimeSpan? delay = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var pipeline = RetryPipelines.Build<AgentResult>(maxRetries, delay, timeProvider, static outcome => outcome switch
        {
            { Exception: TaskExecKitException { IsTransient: true } } => true,
            { Exception: null, Result: { Succeeded: false, IsTransient: true } } => true,
            _ => false,
        });
        return builder.Use(inner => new RetryTaskAgent(inner, pipeline));
    }
}

internal sealed partial class LoggingTaskAgent(ITaskAgent inner, ILogger logger, string name) : DelegatingTaskAgent(inner)
{
    public override async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        long started = context.TimeProvider.GetTimestamp();
        Started(logger, context.Task.Id, name, context.Attempt);
        try
        {
            var result = await InnerAgent.RunAsync(context, cancellationToken).ConfigureAwait(false);
            double ms = context.TimeProvider.GetElapsedTime(started).TotalMilliseconds;
            if (result.Succeeded)
            {
                Succeeded(logger, context.Task.Id, name, ms);
            }
            else
            {
                Failed(logger, context.Task.Id, name, ms, result.Error);
            }

            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Threw(logger, context.Task.Id, name, context.TimeProvider.GetElapsedTime(started).TotalMilliseconds, ex.GetType().Name, ex.Message);
            throw;
        }
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Debug, Message = "Task {TaskId}: agent {Agent} starts attempt {Attempt}")]
    private static partial void Started(ILogger logger, string taskId, string agent, int attempt);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information, Message = "Task {TaskId}: agent {Agent} succeeded in {Milliseconds:0.#} ms")]
    private static partial void Succeeded(ILogger logger, string taskId, string agent, double milliseconds);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "Task {TaskId}: agent {Agent} failed in {Milliseconds:0.#} ms: {Error}")]
    private static partial void Failed(ILogger logger, string taskId, string agent, double milliseconds, string? error);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "Task {TaskId}: agent {Agent} threw {Exception} after {Milliseconds:0.#} ms: {Error}")]
    private static partial void Threw(ILogger logger, string taskId, string agent, double milliseconds, string exception, string error);
}

internal sealed class TelemetryTaskAgent(ITaskAgent inner, TelemetrySystem telemetry, string name) : DelegatingTaskAgent(inner)
{
    public override async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var activity = telemetry.StartTaskActivity(context.Task.Id, name);
        long started = context.TimeProvider.GetTimestamp();
        telemetry.RecordTaskStarted(context.Task.Id, name);
        TaskOutcome outcome = TaskOutcome.Failed;
        try
        {
            var result = await InnerAgent.RunAsync(context, cancellationToken).ConfigureAwait(false);
            outcome = result.Succeeded ? TaskOutcome.Succeeded : TaskOutcome.Failed;
            return result;
        }
        catch (OperationCanceledException)
        {
            outcome = TaskOutcome.Cancelled;
            throw;
        }
        finally
        {
            telemetry.RecordTaskFinished(context.Task.Id, name, outcome, context.TimeProvider.GetElapsedTime(started), context.Attempt);
        }
    }
}

internal sealed class BudgetTaskAgent(ITaskAgent inner, BudgetLedger ledger) : DelegatingTaskAgent(inner)
{
    public override async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var slot = await ledger.EnterAsync(cancellationToken).ConfigureAwait(false);
        if (!ledger.TryStartTask(out string? reason))
        {
            return AgentResult.Failure("Budget exhausted: " + reason);
        }

        var previous = context.Ledger;
        context.Ledger = ledger;
        try
        {
            if (ledger.RemainingWallTime() is { } left)
            {
                using var deadline = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, context.TimeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
                try
                {
                    return await InnerAgent.RunAsync(context, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    _ = ledger.CanSpend(out string? why);
                    return AgentResult.Failure("Budget exhausted: " + (why ?? $"the wall time of '{ledger.Name}' is up"));
                }
            }

            return await InnerAgent.RunAsync(context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            context.Ledger = previous;
        }
    }
}

internal sealed class RetryTaskAgent(ITaskAgent inner, ResiliencePipeline<AgentResult> pipeline) : DelegatingTaskAgent(inner)
{
    public override ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return pipeline.ExecuteAsync(static (state, ct) => state.Inner.RunAsync(state.Context, ct), (Inner: InnerAgent, Context: context), cancellationToken);
    }
}
