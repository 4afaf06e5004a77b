using System.Collections.Concurrent;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using TaskExecKit.Agents;
using TaskExecKit.Planning;

namespace TaskExecKit.Execution;

/// <summary>
/// Runs plans: every task starts as soon as the last task it needs has succeeded, at most
/// <see cref="MaxWorkers"/> at once, under a default-deny effect policy, with per-task timeouts
/// and retries of transient failures, and writes evidence of what happened.
/// </summary>
/// <example><code>
/// await using var executor = TaskExecutor.Builder().MaxWorkers(4).Build();
/// RunResult result = await executor.RunAsync(plan, cancellationToken);
/// </code></example>
public sealed class TaskExecutor : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposing = new();
    private readonly ConcurrentDictionary<(TimeSpan? Timeout, int Retries), ResiliencePipeline<AgentResult>> _pipelines = new();
    private readonly Lock _gate = new();
    private readonly HashSet<Task> _active = [];
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Plan, PreparedPlan> _prepared = [];
    private bool _disposed;

    internal TaskExecutor(ExecutorSettings settings) => Settings = settings;

    /// <summary>Gets how many tasks may run at once.</summary>
    public int MaxWorkers => Settings.MaxWorkers;

    internal ExecutorSettings Settings { get; }

    /// <summary>Starts an executor.</summary>
    /// <returns>A builder; call <see cref="TaskExecutorBuilder.Build"/> to get the executor.</returns>
    public static TaskExecutorBuilder Builder() => new();

    /// <summary>
    /// Checks the plan, then runs it to the end (or until cancelled) and returns what happened.
    /// Nothing runs when the plan has problems.
    /// </summary>
    /// <param name="plan">The plan to run.</param>
    /// <param name="cancellationToken">Stops the run: no task starts after it fires, running tasks are cancelled and recorded as cancelled.</param>
    /// <returns>The run's result; its <see cref="RunResult.Status"/> is <see cref="RunStatus.Cancelled"/> when the token stopped it.</returns>
    /// <exception cref="PlanValidationException">The plan has problems (unknown agents or dependencies, cycles...); nothing ran.</exception>
    /// <exception cref="ObjectDisposedException">The executor was disposed.</exception>
    public Task<RunResult> RunAsync(Plan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Start(plan, null, cancellationToken);
    }

    /// <summary>
    /// Continues a journaled run that was stopped (a crash, a kill, a cancellation): tasks the journal
    /// records as finished are not run again (their recorded results are reused), tasks that were in
    /// flight run again with the same idempotency key (<c>&lt;run id&gt;/&lt;task id&gt;</c>), the rest run as usual.
    /// </summary>
    /// <param name="plan">The same plan the run started with; its hash is checked.</param>
    /// <param name="runId">The run to continue.</param>
    /// <param name="cancellationToken">Stops the run, as for <see cref="RunAsync"/>.</param>
    /// <returns>The whole run's result, recorded tasks included.</returns>
    /// <exception cref="InvalidOperationException">The executor has no journal (<see cref="TaskExecutorBuilder.Journal"/>).</exception>
    /// <exception cref="RunResumeException">The journal has no such run, or the plan's hash differs from the one the run started with.</exception>
    public Task<RunResult> ResumeAsync(Plan plan, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        if (runId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || runId is "." or "..")
        {
            throw new ArgumentException($"Run id '{runId}' is not a run id: it must be a plain name, such as 20260101_120000Z.", nameof(runId));
        }

        if (Settings.Journal is null)
        {
            throw new InvalidOperationException("ResumeAsync needs a journal: call TaskExecutorBuilder.Journal(...) when building the executor.");
        }

        return Start(plan, runId, cancellationToken);
    }

    private Task<RunResult> Start(Plan plan, string? resumeRunId, CancellationToken cancellationToken)
    {
        RunScheduler run;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            run = new RunScheduler(this, plan, resumeRunId);
        }

        var task = run.RunAsync(cancellationToken, _disposing.Token);
        lock (_gate)
        {
            _active.Add(task);
        }

        _ = task.ContinueWith(
            (t, state) =>
            {
                var executor = (TaskExecutor)state!;
                lock (executor._gate)
                {
                    executor._active.Remove(t);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    /// <summary>Cancels any run still going, waits for it to record its tasks, and releases the executor.</summary>
    /// <returns>A task that completes when every run has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        Task[] active;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            active = [.. _active];
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(active).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TaskExecKitException or IOException or UnauthorizedAccessException)
        {
            // Those runs' callers observe their own outcome; disposal only waits for them to end.
        }

        _disposing.Dispose();
    }

    /// <summary>Validates and prepares a plan, once per plan for this executor.</summary>
    internal PreparedPlan Prepare(Plan plan)
        => _prepared.TryGetValue(plan, out var prepared) ? prepared : _prepared.GetValue(plan, p => PreparedPlan.Create(p, Settings));

    /// <summary>The pipeline for a timeout and a retry count, or null when neither applies.</summary>
    internal ResiliencePipeline<AgentResult>? PipelineFor(TimeSpan? timeout, int retries)
    {
        if (timeout is null && retries == 0)
        {
            return null;
        }

        return _pipelines.GetOrAdd((timeout, retries), static (key, settings) => CreatePipeline(key.Timeout, key.Retries, settings), Settings);
    }

    private static ResiliencePipeline<AgentResult> CreatePipeline(TimeSpan? timeout, int retries, ExecutorSettings settings)
    {
        var builder = new ResiliencePipelineBuilder<AgentResult> { TimeProvider = settings.TimeProvider };
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<AgentResult>
            {
                MaxRetryAttempts = retries,
                Delay = settings.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = settings.RetryDelay > TimeSpan.Zero,
                ShouldHandle = static args => new ValueTask<bool>(IsTransient(args.Outcome)),
            });
        }

        if (timeout is { } t)
        {
            builder.AddTimeout(ClampTimeout(t));
        }

        return builder.Build();
    }

    /// <summary>Polly accepts timeouts from 10 ms to one day.</summary>
    internal static TimeSpan ClampTimeout(TimeSpan timeout)
        => timeout < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : timeout > TaskExecutorBuilder.MaxTimeout ? TaskExecutorBuilder.MaxTimeout : timeout;

    /// <summary>
    /// What is worth another attempt: a timed-out attempt, an exception that says it is transient,
    /// or a result that says so (for the shell agent: exit code 75, EX_TEMPFAIL). A denial, a
    /// cancellation or an ordinary failure is not.
    /// </summary>
    internal static bool IsTransient(Outcome<AgentResult> outcome) => outcome switch
    {
        { Exception: TimeoutRejectedException } => true,
        { Exception: TaskExecKitException { IsTransient: true } } => true,
        { Exception: null, Result: { Succeeded: false, IsTransient: true } } => true,
        _ => false,
    };
}
