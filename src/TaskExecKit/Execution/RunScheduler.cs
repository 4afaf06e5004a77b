using System.Globalization;
using System.Threading.Channels;
using Polly.Timeout;
using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Planning;

namespace TaskExecKit.Execution;

/// <summary>
/// One run of one plan. Each node of the <see cref="TaskGraph"/> has a counter of the
/// predecessors it still waits for; finishing a node decrements its successors' counters and a
/// successor whose counter reaches zero is ready. Ready tasks go to a channel that exactly
/// <c>MaxWorkers</c> worker loops read, so no more than that many run at once and nothing polls.
/// A worker keeps one newly ready successor for itself, so chains run without hand-offs.
/// Barrier nodes (version 1 queue order), tasks already done, and tasks that cannot run
/// (a dependency did not succeed, the run is stopping) are finished inline without a worker.
/// </summary>
internal sealed class RunScheduler
{
    private const int NotStopping = 0;
    private const int StoppedByCancellation = 1;
    private const int StoppedByFailFast = 2;

    private readonly TaskExecutor _executor;
    private readonly ExecutorSettings _settings;
    private readonly Plan _plan;
    private readonly TaskGraph _graph;
    private readonly string[] _agentNames;
    private readonly IReadOnlyList<AgentCommand>[] _commands;
    private readonly Capability[][] _extraGrants;
    private readonly int[] _remaining;
    private string?[]? _causes;
    private readonly TaskRunResult[] _results;
    private readonly Channel<int> _ready;
    private readonly string[] _distinctAgents;
    private readonly int[] _agentSlots;
    private readonly ITaskAgent[] _agents;
    private CancellationTokenSource _stop = null!;
    private EvidenceWriter? _evidence;
    private string _runId = string.Empty;
    private AgentRunInfo _runInfo = null!;
    private int _completedNodes;
    private int _finishedTasks;
    private int _stopReason;
    private string? _failFastCause;
    private readonly string? _resumeRunId;
    private IRunJournal? _journal;
    private TaskRunResult?[]? _recorded;
    private int[]? _previousStarts;

    internal RunScheduler(TaskExecutor executor, Plan plan, string? resumeRunId = null)
    {
        _resumeRunId = resumeRunId;
        _executor = executor;
        _settings = executor.Settings;
        _plan = plan;
        var prepared = executor.Prepare(plan);
        _graph = prepared.Graph;
        _agentNames = prepared.AgentNames;
        _commands = prepared.Commands;
        _extraGrants = prepared.ExtraGrants;
        int taskCount = _graph.TaskCount;
        _distinctAgents = prepared.DistinctAgents;
        _agentSlots = prepared.AgentSlots;
        _agents = new ITaskAgent[_distinctAgents.Length];
        _remaining = new int[_graph.NodeCount];
        for (int n = 0; n < _remaining.Length; n++)
        {
            _remaining[n] = _graph.PredecessorStart[n + 1] - _graph.PredecessorStart[n];
        }

        _results = new TaskRunResult[taskCount];

        // Bounded by the node count: every node is written at most once, so a write never waits.
        _ready = Channel.CreateBounded<int>(new BoundedChannelOptions(Math.Max(1, _graph.NodeCount))
        {
            SingleReader = _settings.MaxWorkers == 1,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
    }

    private bool IsStopping => Volatile.Read(ref _stopReason) != NotStopping || _stop.IsCancellationRequested;

    internal async Task<RunResult> RunAsync(CancellationToken cancellationToken, CancellationToken disposing)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disposing);
        _stop = stop;
        using var registration = stop.Token.Register(static state => ((RunScheduler)state!).OnStopRequested(), this);
        var startedAt = _settings.TimeProvider.GetUtcNow();
        _journal = _settings.DryRun ? null : _settings.Journal;
        string planHash = string.Empty;
        if (_journal is not null)
        {
            planHash = PlanHash.Compute(_plan);
            if (_resumeRunId is not null)
            {
                await LoadJournalAsync(_journal, _resumeRunId, planHash, cancellationToken).ConfigureAwait(false);
            }
        }

        if (_settings.RunsDirectory is { } runs)
        {
            _evidence = EvidenceWriter.Create(runs, startedAt, _graph, _resumeRunId);
            _runId = _evidence.RunId;
            _evidence.WriteRunJson(new RunJson(_plan, null, _settings.DryRun, startedAt, null, _settings.MaxWorkers, _settings.FailFast, _agentNames, null));
        }
        else
        {
            _runId = _resumeRunId ?? startedAt.UtcDateTime.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture) + "Z"
                + (_journal is null ? string.Empty : "-" + Guid.NewGuid().ToString("N")[..8]);
        }

        if (_journal is not null && _resumeRunId is null)
        {
            await _journal.BeginRunAsync(_runId, planHash, cancellationToken).ConfigureAwait(false);
        }

        _runInfo = new AgentRunInfo(_runId, _settings.WorkingDirectory, _settings.TimeProvider, _settings.Auditor);
        if (!_settings.DryRun)
        {
            // Each factory is called once per run, in the order tasks first name it; tasks share the agent.
            for (int i = 0; i < _distinctAgents.Length; i++)
            {
                _agents[i] = _settings.Agents.Create(_distinctAgents[i]);
            }
        }

        Seed();
        int workerCount = Math.Max(1, Math.Min(_settings.MaxWorkers, _graph.TaskCount));
        var workers = new Task[workerCount];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(WorkerAsync, CancellationToken.None);
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        var finishedAt = _settings.TimeProvider.GetUtcNow();
        // Every task has its result now; the array is handed over, not copied (the scheduler is done with it).
        var tasks = _results;
        bool allSucceeded = true, anyCancelled = false;
        for (int i = 0; i < tasks.Length; i++)
        {
            allSucceeded &= Succeeded(i, tasks[i]);
            anyCancelled |= tasks[i].Status == TaskRunStatus.Cancelled;
        }

        // A cancellation that arrives after the last task finished changes nothing.
        var status = Volatile.Read(ref _stopReason) == StoppedByCancellation && anyCancelled ? RunStatus.Cancelled
            : allSucceeded ? RunStatus.Succeeded
            : RunStatus.Failed;
        _evidence?.WriteRunJson(new RunJson(_plan, status, _settings.DryRun, startedAt, finishedAt, _settings.MaxWorkers, _settings.FailFast, _agentNames, tasks));
        return new RunResult(status, tasks, startedAt, finishedAt, _evidence?.RunDirectory, _settings.DryRun, _runId);
    }

    /// <summary>Reads the journaled run: checks the plan's hash, keeps finished tasks' results and every task's start count.</summary>
    private async Task LoadJournalAsync(IRunJournal journal, string runId, string planHash, CancellationToken cancellationToken)
    {
        var state = await journal.LoadAsync(runId, cancellationToken).ConfigureAwait(false)
            ?? throw new RunResumeException(runId, $"Run {runId} cannot be resumed: the journal has no run with that id.");
        if (!string.Equals(state.PlanHash, planHash, StringComparison.Ordinal))
        {
            throw new RunResumeException(runId, $"Run {runId} cannot be resumed: the plan changed since the run started (plan hash {planHash}, the run started with {state.PlanHash}). Start a new run instead.");
        }

        var index = new Dictionary<string, int>(_graph.TaskCount, StringComparer.Ordinal);
        for (int i = 0; i < _graph.TaskCount; i++)
        {
            index.TryAdd(_graph.Tasks[i].Id, i);
        }

        _recorded = new TaskRunResult?[_graph.TaskCount];
        _previousStarts = new int[_graph.TaskCount];
        foreach (var task in state.Tasks)
        {
            if (!index.TryGetValue(task.TaskId, out int node))
            {
                continue;
            }

            _previousStarts[node] = task.Starts;
            if (task.Status is { } status)
            {
                _recorded[node] = new TaskRunResult(task.TaskId, status, _agentNames[node], task.Attempts, task.StartedAt, task.FinishedAt, task.ExitCode, task.Reason, null, []);
            }
            else if (task.Starts > 0 && !_graph.Tasks[node].IsIdempotent)
            {
                // In flight at the stop and not safe to run twice: it may have done its work, or part of it. Not run
                // again; journaled as finished so every later resume keeps the verdict.
                string reason = string.Create(CultureInfo.InvariantCulture,
                    $"needs review: the task is not idempotent and was in flight when run {runId} stopped (started {task.Starts} time{(task.Starts == 1 ? string.Empty : "s")}); it was not run again. Check what it did, then start a new run (mark it [x] if its work is done)");
                var review = new TaskRunResult(task.TaskId, TaskRunStatus.NeedsReview, _agentNames[node], task.Attempts, task.StartedAt, _settings.TimeProvider.GetUtcNow(), null, reason, null, []);
                await journal.TaskFinishedAsync(runId, review, cancellationToken).ConfigureAwait(false);
                _recorded[node] = review;
            }
        }
    }

    private void OnStopRequested() => Interlocked.CompareExchange(ref _stopReason, StoppedByCancellation, NotStopping);

    private void Seed()
    {
        if (_graph.NodeCount == 0)
        {
            _ready.Writer.TryComplete();
            return;
        }

        // Take the roots before releasing any: releasing makes other counters reach zero.
        var roots = new List<int>();
        for (int n = 0; n < _graph.NodeCount; n++)
        {
            if (_remaining[n] == 0)
            {
                roots.Add(n);
            }
        }

        foreach (int n in roots)
        {
            int keep = FinishesInline(n) ? Release(n, FinishInline(n)) : n;
            if (keep >= 0)
            {
                _ready.Writer.TryWrite(keep);
            }
        }
    }

    private async Task WorkerAsync()
    {
        var reader = _ready.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out int node))
            {
                int next = node;
                while (next >= 0)
                {
                    if (IsStopping)
                    {
                        next = Release(next, FinishInline(next));
                        continue;
                    }

                    // Most tasks finish synchronously (the noop agent, cached results): no await then.
                    var running = RunTaskAsync(next);
                    next = running.IsCompletedSuccessfully ? running.Result : await running.ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>The causes array, created by the first node that has a cause (most runs have none).</summary>
    private string?[] CreateCauses()
    {
        var created = new string?[_graph.NodeCount];
        return Interlocked.CompareExchange(ref _causes, created, null) ?? created;
    }

    private ITaskAgent AgentFor(int node) => _agents[_agentSlots[node]];

    private bool FinishesInline(int node)
        => _graph.IsBarrier(node) || _graph.Tasks[node].IsDone || _recorded?[node] is not null || BlockedBy(node) is not null || IsStopping;

    /// <summary>
    /// Why a node whose predecessors have all finished cannot run: the cause passed on by its first
    /// predecessor (in plan order) that did not succeed, or null. Deterministic for any worker count.
    /// </summary>
    private string? BlockedBy(int node)
    {
        // Nothing has failed or been skipped yet (the usual case): no causes, no predecessor to scan.
        if (Volatile.Read(ref _causes) is not { } causes)
        {
            return null;
        }

        foreach (int predecessor in _graph.Predecessors(node))
        {
            if (Volatile.Read(ref causes[predecessor]) is { } cause)
            {
                return cause;
            }
        }

        return null;
    }

    /// <summary>Finishes a node without running it; returns the cause its dependents inherit, or null when they may run.</summary>
    private string? FinishInline(int node)
    {
        if (_graph.IsBarrier(node))
        {
            return BlockedBy(node);
        }

        var task = _graph.Tasks[node];
        if (task.IsDone)
        {
            Record(node, NotRun(node, TaskRunStatus.Skipped, "already done: the plan marks it [x]"));
            return null;
        }

        if (_recorded?[node] is { } recorded)
        {
            // Finished before the run was stopped: never run again, its journaled result stands.
            Record(node, recorded);
            return recorded.Status == TaskRunStatus.Succeeded ? null : _graph.Tasks[node].Id + " " + (recorded.Status switch
            {
                TaskRunStatus.TimedOut => "timed out",
                TaskRunStatus.Denied => "was denied an effect",
                TaskRunStatus.NeedsReview => "needs review",
                _ => "failed",
            });
        }

        if (Volatile.Read(ref _stopReason) == StoppedByCancellation)
        {
            Record(node, NotRun(node, TaskRunStatus.Cancelled, "not started: the run was cancelled"));
            return "the run was cancelled";
        }

        if (BlockedBy(node) is { } cause)
        {
            Record(node, NotRun(node, TaskRunStatus.Skipped, "not run because " + cause));
            return cause;
        }

        if (Volatile.Read(ref _stopReason) == StoppedByFailFast)
        {
            Record(node, NotRun(node, TaskRunStatus.Skipped, "not started: fail-fast stopped the run after " + _failFastCause));
            return "fail-fast stopped the run";
        }

        Record(node, NotRun(node, TaskRunStatus.Cancelled, "not started: the run was cancelled"));
        return "the run was cancelled";
    }

    private ValueTask<int> RunTaskAsync(int node)
    {
        var executing = ExecuteAsync(node);
        return executing.IsCompletedSuccessfully ? FinishTask(node, executing.Result) : FinishTaskAsync(node, executing);
    }

    private async ValueTask<int> FinishTaskAsync(int node, ValueTask<TaskRunResult> executing)
        => await FinishTask(node, await executing.ConfigureAwait(false)).ConfigureAwait(false);

    private ValueTask<int> FinishTask(int node, TaskRunResult result)
    {
        Record(node, result);
        return result.Status == TaskRunStatus.Succeeded ? new ValueTask<int>(Release(node, null)) : FinishUnsuccessfulAsync(node, result);
    }

    private async ValueTask<int> FinishUnsuccessfulAsync(int node, TaskRunResult result)
    {
        string cause = _graph.Tasks[node].Id + " " + result.Status switch
        {
            TaskRunStatus.TimedOut => "timed out",
            TaskRunStatus.Denied => "was denied an effect",
            TaskRunStatus.Cancelled => "was cancelled",
            TaskRunStatus.NeedsReview => "needs review",
            _ => "failed",
        };
        if (_settings.FailFast && result.Status != TaskRunStatus.Cancelled && Interlocked.CompareExchange(ref _stopReason, StoppedByFailFast, NotStopping) == NotStopping)
        {
            _failFastCause = cause;
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        return Release(node, cause);
    }

    /// <summary>
    /// Marks a node finished and releases its successors, finishing inline the ones that cannot
    /// run (iteratively, so a long chain of skips cannot overflow the stack). Returns one ready
    /// task for the calling worker to run next, or -1.
    /// </summary>
    private int Release(int node, string? cause)
    {
        int keep = -1;
        Stack<(int Node, string? Cause)>? pending = null;
        while (true)
        {
            // Published before the counters drop (Interlocked.Decrement is a full fence).
            if (cause is not null)
            {
                var causes = Volatile.Read(ref _causes) ?? CreateCauses();
                Volatile.Write(ref causes[node], cause);
            }

            foreach (int successor in _graph.Successors(node))
            {
                if (Interlocked.Decrement(ref _remaining[successor]) != 0)
                {
                    continue;
                }

                if (FinishesInline(successor))
                {
                    (pending ??= new()).Push((successor, null));
                }
                else if (keep < 0)
                {
                    keep = successor;
                }
                else
                {
                    _ready.Writer.TryWrite(successor);
                }
            }

            if (Interlocked.Increment(ref _completedNodes) == _graph.NodeCount)
            {
                _ready.Writer.TryComplete();
            }

            if (pending is null || !pending.TryPop(out var next))
            {
                return keep;
            }

            node = next.Node;
            cause = FinishInline(node);
        }
    }

    /// <summary>
    /// Runs one task. Without evidence, dry run, timeout or retries, an agent that completes
    /// synchronously (the noop agent) is run and recorded without any async machinery; anything
    /// else goes through <see cref="ExecuteAsync(int, AgentContext, TextWriter, DateTimeOffset, ValueTask{AgentResult}?)"/>.
    /// </summary>
    private ValueTask<TaskRunResult> ExecuteAsync(int node)
    {
        var task = _graph.Tasks[node];
        _settings.Progress?.Report(new TaskProgress(TaskProgressKind.Started, task.Id, null, Volatile.Read(ref _finishedTasks), _graph.TaskCount) { Agent = _agentNames[node] });
        var startedAt = _settings.TimeProvider.GetUtcNow();
        bool general = _evidence is not null || _journal is not null || _settings.DryRun || (task.Timeout ?? _settings.DefaultTimeout) is not null || (task.Retries ?? _settings.DefaultRetries) != 0;
        if (!general && AgentFor(node) is NoOpAgent && _settings.Backend is InProcessBackend && !_stop.IsCancellationRequested)
        {
            // The noop agent (sealed, ours) only checks the token and succeeds: its context would
            // never be read, so none is built. A cancelled run takes the general path below.
            return new ValueTask<TaskRunResult>(Result(node, null, AgentResult.Success(), TaskRunStatus.Succeeded, null, 1, startedAt, _settings.TimeProvider.GetUtcNow()));
        }

        TextWriter log = _evidence?.OpenLog(node) ?? TextWriter.Null;
        var extra = _extraGrants[node];
        var policy = extra.Length == 0 ? _settings.Policy : _settings.Policy.Merge(extra);
        var context = new AgentContext(task, policy, _commands[node], log, _runInfo);
        if (general)
        {
            return ExecuteAsync(node, context, log, startedAt, null);
        }

        // No pipeline applies (TaskExecutor.PipelineFor would return null) and the log is TextWriter.Null.
        context.Attempt = 1;
        var attempt = StartAttempt(node, context);
        if (!attempt.IsCompletedSuccessfully)
        {
            return ExecuteAsync(node, context, log, startedAt, attempt);
        }

        var result = attempt.Result;
        if (result is null)
        {
            // An agent that returns no result fails its task there, as an agent that throws does.
            return ExecuteAsync(node, context, log, startedAt, new ValueTask<AgentResult>(result!));
        }

        var status = result.Succeeded ? TaskRunStatus.Succeeded : TaskRunStatus.Failed;
        return new ValueTask<TaskRunResult>(Result(node, context, result, status, result.Error, 1, startedAt, _settings.TimeProvider.GetUtcNow()));
    }

    /// <summary>Starts the only attempt; an exception the backend throws synchronously is handled as if it had thrown asynchronously.</summary>
    private ValueTask<AgentResult> StartAttempt(int node, AgentContext context)
    {
        try
        {
            return _settings.Backend.RunAsync(AgentFor(node), context, _stop.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ValueTask.FromException<AgentResult>(ex);
        }
    }

    /// <summary>Runs one task the general way, or finishes an attempt already started (<paramref name="started"/>).</summary>
    private async ValueTask<TaskRunResult> ExecuteAsync(int node, AgentContext context, TextWriter log, DateTimeOffset startedAt, ValueTask<AgentResult>? started)
    {
        var task = _graph.Tasks[node];
        string agentName = _agentNames[node];
        AttemptState? state = null;
        TaskRunStatus status;
        string? reason = null;
        AgentResult? result = null;
        try
        {
            if (started is { } attempt)
            {
                result = await attempt.ConfigureAwait(false);
            }
            else if (_settings.DryRun)
            {
                return DryRun(node, context, startedAt);
            }
            else
            {
                if (_journal is not null)
                {
                    // Durable before the agent is called: a crash from here on finds the task in flight.
                    await _journal.TaskStartedAsync(_runId, task.Id, (_previousStarts?[node] ?? 0) + 1, _stop.Token).ConfigureAwait(false);
                }

                var timeout = task.Timeout ?? _settings.DefaultTimeout;
                var pipeline = _executor.PipelineFor(timeout, task.Retries ?? _settings.DefaultRetries);
                if (pipeline is null)
                {
                    context.Attempt = 1;
                    result = await _settings.Backend.RunAsync(AgentFor(node), context, _stop.Token).ConfigureAwait(false);
                }
                else
                {
                    state = new AttemptState(this, node, context);
                    result = await pipeline.ExecuteAsync(static (s, ct) => AttemptAsync(s, ct), state, _stop.Token).ConfigureAwait(false);
                }
            }

            status = result.Succeeded ? TaskRunStatus.Succeeded : TaskRunStatus.Failed;
            reason = result.Error;
        }
        catch (TimeoutRejectedException)
        {
            status = TaskRunStatus.TimedOut;
            var timeout = TaskExecutor.ClampTimeout(task.Timeout ?? _settings.DefaultTimeout ?? TaskExecutorBuilder.MaxTimeout);
            reason = string.Create(CultureInfo.InvariantCulture, $"timed out: attempt {state?.Attempts ?? 1} ran longer than {timeout.TotalSeconds:0.###} s and was stopped");
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            status = TaskRunStatus.Cancelled;
            reason = Volatile.Read(ref _stopReason) == StoppedByFailFast
                ? "cancelled: fail-fast stopped the run after " + _failFastCause
                : "cancelled: the run was cancelled while the task ran";
        }
        catch (EffectDeniedException ex)
        {
            status = TaskRunStatus.Denied;
            reason = ex.Message;
        }
        catch (TaskExecKitException ex)
        {
            status = TaskRunStatus.Failed;
            reason = ex.Message;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // An agent's bug fails its task, not the run; the log keeps the details.
            status = TaskRunStatus.Failed;
            reason = $"agent '{agentName}' threw {ex.GetType().Name}: {ex.Message}";
            log.WriteLine(ex.ToString());
        }
        finally
        {
            await log.DisposeAsync().ConfigureAwait(false);
        }

        var finishedAt = _settings.TimeProvider.GetUtcNow();
        if (_evidence is not null && reason is not null)
        {
            await File.AppendAllTextAsync(_evidence.LogPath(node), $"[{EvidenceWriter.StatusWord(status)}] {reason}{Environment.NewLine}").ConfigureAwait(false);
        }

        var finished = Result(node, context, result, status, reason, state?.Attempts ?? 1, startedAt, finishedAt);
        if (_journal is not null && status != TaskRunStatus.Cancelled)
        {
            // Durable before the scheduler acts on it (releases successors); a cancelled task runs again on resume.
            await _journal.TaskFinishedAsync(_runId, finished, CancellationToken.None).ConfigureAwait(false);
        }

        return finished;
    }

    private TaskRunResult Result(int node, AgentContext? context, AgentResult? result, TaskRunStatus status, string? reason, int attempts, DateTimeOffset startedAt, DateTimeOffset finishedAt)
    {
        var recorded = result is { Commands.Count: > 0 } ? result.Commands : context?.RecordedCommands ?? [];
        int? exitCode = result?.ExitCode ?? (recorded.Count > 0 ? recorded[^1].ExitCode : null);
        return new TaskRunResult(_graph.Tasks[node].Id, status, _agentNames[node], attempts, startedAt, finishedAt, exitCode, reason, _evidence?.LogPath(node), recorded);
    }

    private static ValueTask<AgentResult> AttemptAsync(AttemptState state, CancellationToken cancellationToken)
    {
        int attempt = ++state.Attempts;
        state.Context.Attempt = attempt;
        var run = state.Run;
        if (run._evidence is not null)
        {
            state.Context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# task {state.Context.Task.Id}, agent {run._agentNames[state.Node]}, attempt {attempt}"));
        }

        return run._settings.Backend.RunAsync(run.AgentFor(state.Node), state.Context, cancellationToken);
    }

    /// <summary>Walks the task as a run would, checking its commands against the policy, without running anything.</summary>
    private TaskRunResult DryRun(int node, AgentContext context, DateTimeOffset startedAt)
    {
        var task = _graph.Tasks[node];
        string? path = Environment.GetEnvironmentVariable("PATH");
        var commands = new List<CommandResult>(context.Commands.Count);
        TaskRunStatus status = TaskRunStatus.Succeeded;
        string? reason = null;
        context.Log.WriteLine($"# dry run: task {task.Id}, agent {_agentNames[node]}; nothing is executed");
        foreach (var command in context.Commands)
        {
            commands.Add(new CommandResult(command.Argv, command.WorkingDirectory, null, TimeSpan.Zero));
            try
            {
                if (!CommandPreflight.TryAuthorize(context, command, path, out string directory, out _, out string? problem))
                {
                    (status, reason) = (TaskRunStatus.Failed, problem);
                    break;
                }

                context.Log.WriteLine($"would run: {command}  (in {directory})");
            }
            catch (EffectDeniedException ex)
            {
                (status, reason) = (TaskRunStatus.Denied, ex.Message);
                break;
            }
        }

        if (reason is not null)
        {
            context.Log.WriteLine($"[{EvidenceWriter.StatusWord(status)}] {reason}");
        }

        return new TaskRunResult(task.Id, status, _agentNames[node], 0, startedAt, _settings.TimeProvider.GetUtcNow(), null, reason, _evidence?.LogPath(node), commands);
    }

    private TaskRunResult NotRun(int node, TaskRunStatus status, string reason)
    {
        _evidence?.WriteLog(node, $"[{EvidenceWriter.StatusWord(status)}] {reason}");
        return new TaskRunResult(_graph.Tasks[node].Id, status, _agentNames[node], 0, null, null, null, reason, _evidence?.LogPath(node), []);
    }

    private void Record(int node, TaskRunResult result)
    {
        _results[node] = result;
        if (_settings.Progress is { } progress)
        {
            // The count is only reported: without a progress receiver nobody reads it.
            int finished = Interlocked.Increment(ref _finishedTasks);
            progress.Report(new TaskProgress(TaskProgressKind.Finished, result.TaskId, result, finished, _graph.TaskCount));
        }
    }

    private bool Succeeded(int node, TaskRunResult result)
        => result.Status == TaskRunStatus.Succeeded || (result.Status == TaskRunStatus.Skipped && _graph.Tasks[node].IsDone);

    private sealed class AttemptState(RunScheduler run, int node, AgentContext context)
    {
        public RunScheduler Run { get; } = run;

        public int Node { get; } = node;

        public AgentContext Context { get; } = context;

        public int Attempts { get; set; }
    }
}
