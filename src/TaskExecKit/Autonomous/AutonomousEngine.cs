using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using TaskExecKit.Autonomous;
using TaskExecKit.Configuration;
using TaskExecKit.Telemetry;

namespace TaskExecKit;

/// <summary>
/// The human-out-of-the-loop engine: cycles SENSE → DECIDE → PLAN → AMPLIFY → GATES → RUN → SCORE → OBSERVE
/// until a limit, a stop request, the kill switch or DECIDE ends it. Every iteration leaves a decision record
/// in telemetry; <c>runtime/state/status.json</c> tells other processes (see <see cref="AutonomousControl"/>) where it is.
/// </summary>
/// <remarks>
/// Safety does not depend on the phases: the limits (copied from <c>autonomous.toml</c> and never raised), the
/// envelope (<c>safety.toml [grants]</c>, never widened), the kill switch and the stop checks before every effect
/// are the engine's own and run whatever phases a host plugs in. See docs/autonomous.md.
/// As an <see cref="IHostedService"/> (registered by <c>AddAutonomousEngine</c>) it starts with the host and stops
/// gracefully when the host stops, at once when the host's shutdown time runs out.
/// </remarks>
public sealed class AutonomousEngine : IAsyncDisposable, IHostedService
{
    private const string AgentId = "autonomous";
    private const int ScoresKept = 50;

    private readonly EngineConfig _config;
    private readonly AutonomousEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly AutonomousStateFiles _files;
    private readonly TaskCompletionSource<AutonomousStatus> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _hardStop = new();
    private readonly CancellationTokenSource _softStop = new();
    private readonly Queue<IterationScore> _scores = new();
    private readonly object _statusGate = new();
    private readonly string _goal;
    private readonly string? _configuredKillFile;

    private LimitLedger? _ledger;
    private AutonomousServices? _services;
    private AutonomousPhases? _phases;
    private CheckpointStore? _checkpoints;
    private TelemetrySystem? _ownedTelemetry;
    private EngineLock? _lock;
    private Task? _loop;
    private Task? _watcher;
    private CancellationTokenSource? _wallTime;
    private int _started;
    private volatile string? _stopReason;
    private volatile bool _killed;
    private AutonomousPhase _phase;
    private int _iteration;
    private double? _lastScore;
    private double? _bestScore;
    private DateTimeOffset? _startedAt;
    private DateTimeOffset _lastStatusWrite = DateTimeOffset.MinValue;

    /// <summary>Creates an engine from a loaded configuration with the default phases, the offline-capable AI chain and the runtime directory of <c>core.toml</c>.</summary>
    /// <param name="config">The configuration (<see cref="EngineConfig.Load"/>).</param>
    public AutonomousEngine(EngineConfig config)
        : this(config, new AutonomousEngineOptions())
    {
    }

    /// <summary>Creates an engine for a host: phases, clock, telemetry, runtime directory and models from <paramref name="options"/>.</summary>
    /// <param name="config">The configuration (<see cref="EngineConfig.Load"/>).</param>
    /// <param name="options">The host's options.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public AutonomousEngine(EngineConfig config, AutonomousEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _config = config;
        _options = options;
        _time = options.TimeProvider;
        _files = new AutonomousStateFiles(options.RuntimeDirectory ?? config.Core.RuntimeDirectory);
        _goal = options.Goal ?? (options.GoalPlan is { } plan ? $"run the goal plan ({plan.Tasks.Count} tasks from {plan.Source ?? "code"}) and keep it passing" : "keep the system healthy");
        string configured = Path.GetFullPath(config.Safety.KillSwitchFile);
        _configuredKillFile = configured == _files.KillFile ? null : configured;
        Completion = _completion.Task;
    }

    /// <summary>Gets the full path of the runtime directory.</summary>
    public string RuntimeDirectory => _files.Root;

    /// <summary>Gets a task that completes with the final status when the loop has ended (for any reason) and everything is released.</summary>
    public Task<AutonomousStatus> Completion { get; }

    /// <summary>Gets the current status: phase, iteration, scores, limits used, and why it stopped.</summary>
    public AutonomousStatus Status => Snapshot();

    /// <summary>
    /// Starts the loop and returns once it runs (the runtime directory is locked and the first status written).
    /// The loop then runs in the background until it stops; await <see cref="Completion"/> for its end.
    /// </summary>
    /// <param name="cancellationToken">Cancelling it stops the loop at once, like <see cref="StopAsync"/> with graceful false.</param>
    /// <returns>A task that completes when the loop runs.</returns>
    /// <exception cref="AutonomousException">Another engine holds the runtime directory, or the kill switch file exists.</exception>
    /// <exception cref="InvalidOperationException">The engine was already started.</exception>
    public Task StartHootlLoopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("This autonomous engine was already started; create a new one to run again.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        if (AutonomousStateFiles.ReadKillReason(_files.KillFile) is { } killed || (_configuredKillFile is not null && AutonomousStateFiles.ReadKillReason(_configuredKillFile) is { } k2 && (killed = k2) is not null))
        {
            throw new AutonomousException($"The kill switch is engaged ({_configuredKillFile ?? _files.KillFile}: {killed}). Delete the file to allow a new start.");
        }

        _lock = EngineLock.Acquire(_files, now);
        try
        {
            TryDelete(_files.StopFile); // A stop request left from an earlier run is not for this one.
            var telemetry = _options.Telemetry ?? (_ownedTelemetry = CreateTelemetry());
            _ledger = new LimitLedger(_config.Autonomous.Limits, _time, _options.CostPerMillionTokens, now);
            _services = new AutonomousServices
            {
                Config = _config,
                Options = _options,
                Telemetry = telemetry,
                Time = _time,
                Files = _files,
                Envelope = new Envelope(_config, Path.GetFullPath(_options.WorkingDirectory ?? Directory.GetCurrentDirectory())),
                WorkingDirectory = Path.GetFullPath(_options.WorkingDirectory ?? Directory.GetCurrentDirectory()),
                RunsDirectory = Path.GetFullPath(_options.RunsDirectory ?? _config.Core.RunsDirectory, _options.WorkingDirectory ?? Directory.GetCurrentDirectory()),
                Agents = _options.Agents ?? Agents.AgentRegistryConfigExtensions.AddFromConfig(Agents.AgentRegistry.CreateDefault(), _config),
            };
            _phases = CreatePhases(_services, _ledger);
            _checkpoints = new CheckpointStore(_files);
            _startedAt = now;
            _wallTime = new CancellationTokenSource(_ledger.MaxWallTime, _time);
            telemetry.RecordDecision("autonomous.start", $"goal: {_goal}", LimitsText(), AgentId);
            SetPhase(AutonomousPhase.Idle, force: true);
        }
        catch
        {
            _ = ReleaseAsync();
            throw;
        }

        var outer = cancellationToken.CanBeCanceled ? cancellationToken.Register(() => RequestStop("the host cancelled the engine", graceful: false, kill: false)) : default;
        _watcher = StartWatcher();
        _loop = Task.Run(async () =>
        {
            try
            {
                await LoopAsync().ConfigureAwait(false);
            }
            finally
            {
                await outer.DisposeAsync().ConfigureAwait(false);
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Starts the loop and runs it to its end.</summary>
    /// <param name="cancellationToken">Cancelling it stops the loop at once.</param>
    /// <returns>The final status; <see cref="AutonomousStatus.StopReason"/> says why it ended.</returns>
    public async Task<AutonomousStatus> RunHootlLoopAsync(CancellationToken cancellationToken = default)
    {
        await StartHootlLoopAsync(cancellationToken).ConfigureAwait(false);
        return await Completion.ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the loop and waits for its end. Graceful lets the current iteration finish and starts no new
    /// one; otherwise no new effect starts and running work is cancelled at once (child processes are killed).
    /// </summary>
    /// <param name="graceful">True to finish the current iteration first.</param>
    /// <param name="cancellationToken">Stops the waiting (not the stopping).</param>
    /// <returns>A task that completes when the loop has ended.</returns>
    public async Task StopAsync(bool graceful, CancellationToken cancellationToken = default)
    {
        RequestStop(graceful ? "stop requested (graceful)" : "stop requested (immediate)", graceful, kill: false);
        if (Volatile.Read(ref _started) == 0)
        {
            return;
        }

        await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the loop with the host (<see cref="StartHootlLoopAsync"/>); the host's start token guards only the start, not the loop's life.</summary>
    /// <param name="cancellationToken">Cancelled when the host gives up starting.</param>
    /// <returns>A task that completes when the loop runs.</returns>
    Task IHostedService.StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return StartHootlLoopAsync(CancellationToken.None);
    }

    /// <summary>Stops the loop gracefully with the host; when the host's shutdown token fires first, stops it at once and waits for the end.</summary>
    /// <param name="cancellationToken">The host's shutdown timeout.</param>
    /// <returns>A task that completes when the loop has ended.</returns>
    async Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _started) == 0)
        {
            return;
        }

        RequestStop("the host is stopping (graceful)", graceful: true, kill: false);
        try
        {
            await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown time is up: no new effect, running work cancelled, child processes killed.
            RequestStop("the host's shutdown time is up (immediate)", graceful: false, kill: false);
            await Completion.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The kill switch as an API call: records it, starts no new effect and cancels running work at once. Does not wait;
    /// await <see cref="Completion"/> for the end.
    /// </summary>
    /// <param name="reason">Why; recorded in the audit trail.</param>
    public void Kill(string reason) => RequestStop("kill switch: " + (string.IsNullOrWhiteSpace(reason) ? "API call" : reason), graceful: false, kill: true);

    /// <summary>Stops the loop at once (if it runs), waits for it, and releases the runtime directory.</summary>
    /// <returns>A task that completes when everything is released.</returns>
    public async ValueTask DisposeAsync()
    {
        RequestStop("engine disposed", graceful: false, kill: false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        else
        {
            await ReleaseAsync().ConfigureAwait(false);
        }

        _hardStop.Dispose();
        _softStop.Dispose();
    }

    internal LimitLedger? Ledger => _ledger;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private TelemetrySystem CreateTelemetry()
    {
        var options = new TelemetryOptions { RuntimeDirectory = _files.Root, TimeProvider = _time };
        options.Alerts.UseThresholds(_config.Telemetry.Alerts);
        return new TelemetrySystem(options);
    }

    private AutonomousPhases CreatePhases(AutonomousServices services, LimitLedger ledger)
    {
        var phases = new AutonomousPhases(
            new DefaultSensePhase(services),
            new DefaultDecidePhase(services, _options.ChatClient),
            new DefaultPlanPhase(services),
            new DefaultAmplifyPhase(services, ledger),
            new CeccaRunPhase(services, ledger),
            new DefaultScorePhase(),
            new DefaultObservePhase(services));
        phases.Verifiers.Add(new RulesVerifier(services));
        phases.Verifiers.Add(new ModelVerifier(services, _options.VerifierChatClient));
        phases.Verifiers.Add(new DryRunVerifier(services));
        phases.Gates.Add(new VerificationGate(phases.Verifiers, _options.VerificationQuorum, services));
        if (_config.Safety.RequireApproval)
        {
            phases.Gates.Add(new ApprovalGate(new ApprovalBook(_files, _time), _options.ApprovalTimeout, TimeSpan.FromMilliseconds(100)));
        }

        _options.ConfigurePhases?.Invoke(phases);
        return phases;
    }

    private void RequestStop(string reason, bool graceful, bool kill)
    {
        if (_stopReason is null)
        {
            _stopReason = reason;
        }

        if (kill && !_killed)
        {
            _killed = true;
            _services?.Telemetry.RecordKillSwitch(reason, AgentId);
        }

        try
        {
            _softStop.Cancel();
            if (!graceful)
            {
                _hardStop.Cancel();
            }
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: nothing runs.
        }
    }

    /// <summary>
    /// Starts the thread that polls the kill switch and stop files. It is a dedicated thread on the system clock,
    /// not a timer on the thread pool: when the pool is starved (the machine saturated, the host's own work
    /// blocking), a pool timer's tick can wait a second or more, and the kill switch must not. Cancelling the
    /// engine's tokens on this thread also runs their callbacks here (a shell task kills its process tree), so
    /// running work is stopped without waiting for the pool either. A fake clock must not blind it.
    /// </summary>
    private Task StartWatcher()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Watch();
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "TaskExecKit kill switch",
        };
        thread.Start();
        return done.Task;
    }

    private void Watch()
    {
        WaitHandle stopping;
        try
        {
            stopping = _hardStop.Token.WaitHandle;
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        do
        {
            if (AutonomousStateFiles.ReadKillReason(_files.KillFile) is { } reason)
            {
                RequestStop($"kill switch: {reason} ({_files.KillFile})", graceful: false, kill: true);
                return;
            }

            if (_configuredKillFile is not null && AutonomousStateFiles.ReadKillReason(_configuredKillFile) is { } other)
            {
                RequestStop($"kill switch: {other} ({_configuredKillFile})", graceful: false, kill: true);
                return;
            }

            if (File.Exists(_files.StopFile))
            {
                string text = ReadAllTextOrEmpty(_files.StopFile);
                TryDelete(_files.StopFile);
                bool graceful = text.StartsWith("graceful", StringComparison.Ordinal);
                RequestStop(graceful ? "stop requested through runtime/state/STOP (graceful)" : "stop requested through runtime/state/STOP (immediate)", graceful, kill: false);
                if (!graceful)
                {
                    return;
                }
            }
        }
        while (!WaitOrDisposed(stopping, _options.KillSwitchPollInterval));
    }

    private static bool WaitOrDisposed(WaitHandle handle, TimeSpan timeout)
    {
        try
        {
            return handle.WaitOne(timeout);
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    private static string ReadAllTextOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private async Task LoopAsync()
    {
        var ledger = _ledger!;
        var telemetry = _services!.Telemetry;
        using var token = CancellationTokenSource.CreateLinkedTokenSource(_hardStop.Token, _wallTime!.Token);
        string reason = "stopped";
        try
        {
            while (true)
            {
                if (_softStop.IsCancellationRequested)
                {
                    reason = _stopReason ?? "stopped";
                    break;
                }

                int number;
                try
                {
                    number = ledger.BeginIteration();
                }
                catch (LimitReachedException limit)
                {
                    telemetry.RecordLimitHit(limit.Limit, limit.Value, AgentId);
                    reason = limit.Message;
                    break;
                }

                _iteration = number;
                string? stop = await RunIterationAsync(number, token.Token).ConfigureAwait(false);
                if (stop is not null)
                {
                    reason = stop;
                    break;
                }

                TimeSpan interval = _options.CycleInterval is { } shorter && shorter < _config.Autonomous.CycleInterval ? shorter : _config.Autonomous.CycleInterval;
                SetPhase(AutonomousPhase.Waiting);
                if (interval > TimeSpan.Zero)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(token.Token, _softStop.Token);
                    try
                    {
                        await Task.Delay(interval, _time, wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        // A graceful stop ends the wait; the top of the loop sees it.
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Only a stop, the kill switch or the wall time cancels the loop itself (a phase's own cancellation is an iteration error).
            reason = StopReasonAfterCancel();
        }
#pragma warning disable CA1031 // The engine must always end with a status and release the runtime directory.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            reason = $"the engine failed: {ex.GetType().Name}: {ex.Message}";
            telemetry.RecordDecision("autonomous.failure", reason, null, AgentId);
        }

        if (_hardStop.IsCancellationRequested || _wallTime.IsCancellationRequested)
        {
            reason = StopReasonAfterCancel();
        }

        _stopReason ??= reason;
        telemetry.RecordDecision("autonomous.stop", reason, LimitsText(), AgentId);
        var final = Snapshot(AutonomousPhase.Stopped, running: false, reason);
        WriteStatus(final);
        await ReleaseAsync().ConfigureAwait(false);
        _completion.TrySetResult(final);
    }

    private string StopReasonAfterCancel()
    {
        if (_stopReason is { } requested)
        {
            return requested;
        }

        if (_wallTime!.IsCancellationRequested)
        {
            _services!.Telemetry.RecordLimitHit("max_wall_time", _ledger!.MaxWallTime.TotalSeconds, AgentId);
            return $"limit max_wall_time reached: {_ledger.MaxWallTime.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s (running work cancelled)";
        }

        return "stopped";
    }

    private async Task ReleaseAsync()
    {
        try
        {
            if (_watcher is not null)
            {
                _hardStop.Cancel();
                await _watcher.ConfigureAwait(false);
            }
        }
        catch (ObjectDisposedException)
        {
        }

        _wallTime?.Dispose();
        if (_ownedTelemetry is not null)
        {
            await _ownedTelemetry.DisposeAsync().ConfigureAwait(false);
            _ownedTelemetry = null;
        }

        _lock?.Dispose();
        _lock = null;
    }

    private void ThrowIfStopping(CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        if (_killed)
        {
            throw new OperationCanceledException("kill switch");
        }
    }

    /// <summary>Runs one iteration; returns why the loop must stop, or null to go on. Always writes the decision record.</summary>
    private async Task<string?> RunIterationAsync(int number, CancellationToken token)
    {
        var phases = _phases!;
        var ledger = _ledger!;
        var services = _services!;
        var iteration = new AutonomousIteration(number, _goal, _config, ledger, _lastScore, _time.GetUtcNow());
        var gates = new List<(string Name, GateVerdict Verdict)>();
        string choice = "none";
        string reason = string.Empty;
        string? stop = null;
        string? blocked = null;
        string? checkpoint = null;
        string? rollback = null;
        RiskLevel risk = RiskLevel.Low;
        bool cancelled = false;
        try
        {
            SetPhase(AutonomousPhase.Sense);
            ThrowIfStopping(token);
            await phases.Sense.SenseAsync(iteration, token).ConfigureAwait(false);

            SetPhase(AutonomousPhase.Decide);
            ThrowIfStopping(token);
            ledger.CheckAll();
            var decision = await phases.Decide.DecideAsync(iteration, token).ConfigureAwait(false);
            iteration.Decision = decision;
            reason = decision.Reason;

            // The engine's own risk assessment and the envelope: proposals are checked, never trusted.
            var problems = services.Envelope.Check(decision, null);
            foreach (var (key, value) in decision.ProposedSettings)
            {
                var (applied, why) = ledger.TryLower(key, value);
                if (applied)
                {
                    services.Telemetry.RecordConfigurationChange("autonomous.limits." + key, value, $"autonomous proposal, iteration {number} ({why})");
                    iteration.Notes.Add($"proposal set {key}={value}: {why}");
                }
                else
                {
                    problems.Add($"proposal set {key}={value}: {why}");
                }
            }

            risk = (RiskLevel)Math.Max((int)decision.Risk, (int)(problems.Count > 0 ? RiskLevel.High : decision.Tasks.Count > 0 ? RiskLevel.Medium : RiskLevel.Low));
            if (decision.Action == AutonomousAction.Stop)
            {
                choice = "stop";
                stop = "DECIDE chose to stop: " + decision.Reason;
            }
            else if (problems.Count > 0)
            {
                choice = "refuse";
                blocked = "policy: " + string.Join("; ", problems);
                gates.Add(("policy", GateVerdict.Block(string.Join("; ", problems))));
            }
            else if (decision.Action == AutonomousAction.Wait)
            {
                choice = "wait";
            }
            else
            {
                choice = "run";
                SetPhase(AutonomousPhase.Plan);
                ThrowIfStopping(token);
                try
                {
                    iteration.Plan = await phases.Plan.PlanAsync(iteration, token).ConfigureAwait(false);
                }
                catch (TaskExecKitException ex) when (ex is not AutonomousException || ex.Message.StartsWith("the proposed plan", StringComparison.Ordinal))
                {
                    blocked = "plan: " + ex.Message;
                    gates.Add(("plan", GateVerdict.Block(ex.Message)));
                }

                if (blocked is null && iteration.Plan is { } plan)
                {
                    SetPhase(AutonomousPhase.Amplify);
                    ThrowIfStopping(token);
                    iteration.Allocation = await phases.Amplify.AmplifyAsync(iteration, token).ConfigureAwait(false);

                    SetPhase(AutonomousPhase.Gates);
                    ThrowIfStopping(token);
                    ledger.CheckAll();
                    ledger.EnsureTasksFit(plan.Tasks.Count);
                    gates.Add(("limits", GateVerdict.Pass(string.Create(CultureInfo.InvariantCulture, $"{plan.Tasks.Count} task(s) fit; {ledger.RemainingTasks} left"))));
                    var planProblems = services.Envelope.Check(null, plan);
                    if (planProblems.Count > 0)
                    {
                        blocked = "policy: " + string.Join("; ", planProblems);
                        gates.Add(("policy", GateVerdict.Block(string.Join("; ", planProblems))));
                    }
                    else
                    {
                        gates.Add(("policy", GateVerdict.Pass("every effect inside the envelope")));
                        foreach (var gate in phases.Gates)
                        {
                            ThrowIfStopping(token);
                            var verdict = await gate.CheckAsync(iteration, token).ConfigureAwait(false);
                            gates.Add((gate.Name, verdict));
                            if (!verdict.Passed)
                            {
                                blocked = gate.Name + ": " + verdict.Reason;
                                break;
                            }
                        }
                    }

                    if (blocked is null)
                    {
                        // Stop before the next effect: the last check before anything runs.
                        ThrowIfStopping(token);
                        ledger.CheckAll();
                        if (_options.Checkpoints)
                        {
                            checkpoint = _checkpoints!.Create(number, _time.GetUtcNow(), EngineStateText(), _config.Sources, plan, services.Envelope, services.WorkingDirectory).Id;
                        }

                        SetPhase(AutonomousPhase.Run);
                        ThrowIfStopping(token);
                        try
                        {
                            iteration.Outcome = await phases.Run.RunAsync(iteration, token).ConfigureAwait(false);
                        }
                        finally
                        {
                            // Whatever ran counts, even when cancelled midway.
                            if (iteration.Outcome is { } done)
                            {
                                ledger.ChargeTasks(done, done.FailureSequence);
                            }
                        }
                    }
                }
            }

            if (blocked is not null)
            {
                iteration.Outcome = new IterationOutcome(0, 0, 0, "blocked: " + blocked);
                iteration.Score = 0;
                ledger.ChargeIterationError();
            }
            else
            {
                SetPhase(AutonomousPhase.Score);
                ThrowIfStopping(token);
                iteration.Score = Math.Clamp(await phases.Score.ScoreAsync(iteration, token).ConfigureAwait(false), 0, 1);
                if (checkpoint is not null && _bestScore is { } best && _options.RegressionTolerance >= 0 && iteration.Score < best - _options.RegressionTolerance)
                {
                    _checkpoints!.Restore(checkpoint);
                    rollback = string.Create(CultureInfo.InvariantCulture, $"score {iteration.Score:0.###} regressed below best {best:0.###}: restored checkpoint {checkpoint}");
                    services.Telemetry.RecordConfigurationChange("autonomous.rollback", checkpoint, rollback);
                }
            }

            SetPhase(AutonomousPhase.Observe);
            ThrowIfStopping(token);
            await phases.Observe.ObserveAsync(iteration, token).ConfigureAwait(false);
            ledger.CheckErrors();
        }
        catch (LimitReachedException limit)
        {
            services.Telemetry.RecordLimitHit(limit.Limit, limit.Value, AgentId);
            stop = limit.Message;
            if (choice is "none" or "run")
            {
                choice = choice == "none" ? "stop" : choice;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested || _killed)
        {
            cancelled = true;
            throw;
        }
#pragma warning disable CA1031 // A phase that throws (even its own cancellation) is an iteration error, counted toward max_consecutive_failures.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            choice = choice == "none" ? "error" : choice + " (error)";
            iteration.Notes.Add($"{_phase.ToString().ToLowerInvariant()} failed: {ex.GetType().Name}: {ex.Message}");
            iteration.Score ??= 0;
            ledger.ChargeIterationError();
            try
            {
                ledger.CheckErrors();
            }
            catch (LimitReachedException limit)
            {
                services.Telemetry.RecordLimitHit(limit.Limit, limit.Value, AgentId);
                stop = limit.Message;
            }
        }
        finally
        {
            if (cancelled)
            {
                stop = StopReasonAfterCancel();
                iteration.Notes.Add("interrupted: " + stop);
            }

            if (iteration.Score is { } score)
            {
                _lastScore = score;
                _bestScore = _bestScore is { } b ? Math.Max(b, score) : score;
                lock (_statusGate)
                {
                    _scores.Enqueue(new IterationScore(number, score));
                    while (_scores.Count > ScoresKept)
                    {
                        _scores.Dequeue();
                    }
                }
            }

            string record = DecisionRecord(iteration, choice, risk, gates, blocked, checkpoint, rollback, stop);
            services.Telemetry.RecordDecision(
                string.Create(CultureInfo.InvariantCulture, $"iteration {number}: {choice}"),
                blocked is not null ? "blocked by " + blocked : stop ?? (reason.Length > 0 ? reason : choice),
                record,
                AgentId,
                string.Create(CultureInfo.InvariantCulture, $"iteration-{number}"));
            SetPhase(_phase);
        }

        return stop;
    }

    private string EngineStateText()
        => string.Create(CultureInfo.InvariantCulture, $"iteration {_iteration}; last score {_lastScore?.ToString("0.###", CultureInfo.InvariantCulture) ?? "none"}; best {_bestScore?.ToString("0.###", CultureInfo.InvariantCulture) ?? "none"}");

    private string LimitsText()
    {
        var limits = _config.Autonomous.Limits;
        return string.Create(CultureInfo.InvariantCulture, $"max_iterations={limits.MaxIterations} max_wall_time={limits.MaxWallTime.TotalSeconds}s max_tokens={limits.MaxTokens} max_cost={limits.MaxCost} max_tasks={limits.MaxTasks} max_consecutive_failures={limits.MaxConsecutiveFailures} max_error_rate={limits.MaxErrorRate}; used: {(_ledger is { } l ? string.Join(' ', l.Usage().Select(u => $"{u.Name}={u.Used}")) : "-")}");
    }

    /// <summary>The decision record: inputs, options considered, choice, reason, risk, gates, outcome and score, as one JSON object.</summary>
    private static string DecisionRecord(AutonomousIteration iteration, string choice, RiskLevel risk, List<(string Name, GateVerdict Verdict)> gates, string? blocked, string? checkpoint, string? rollback, string? stop)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("iteration", iteration.Number);
            json.WriteString("goal", iteration.Goal);
            json.WriteStartObject("inputs");
            foreach (var (key, value) in iteration.Observations)
            {
                json.WriteString(key, AutonomousServices.Truncate(value, 300));
            }

            json.WriteEndObject();
            var decision = iteration.Decision;
            json.WriteStartArray("options");
            foreach (string option in decision?.Options ?? [])
            {
                json.WriteStringValue(option);
            }

            json.WriteEndArray();
            json.WriteString("choice", choice);
            json.WriteString("reason", decision?.Reason ?? string.Empty);
            json.WriteString("risk", risk.ToString().ToLowerInvariant());
            if (decision is { Tasks.Count: > 0 } || decision is { RequestedCapabilities.Count: > 0 } || decision is { ProposedSettings.Count: > 0 })
            {
                json.WriteStartObject("proposals");
                json.WriteString("tasks", string.Join(", ", decision.Tasks.Select(t => $"{t.Id} ({t.Agent}; {string.Join(',', t.Effects)})")));
                json.WriteString("grants", string.Join(", ", decision.RequestedCapabilities));
                json.WriteString("settings", string.Join(", ", decision.ProposedSettings.Select(p => $"{p.Key}={p.Value}")));
                json.WriteEndObject();
            }

            if (iteration.Plan is { } plan)
            {
                json.WriteString("plan", AutonomousServices.Truncate(string.Join(", ", plan.Tasks.Select(t => t.Id)), 500));
            }

            if (iteration.Allocation is { } allocation)
            {
                json.WriteNumber("workers", allocation.MaxWorkers);
            }

            json.WriteStartArray("gates");
            foreach (var (name, verdict) in gates)
            {
                json.WriteStartObject();
                json.WriteString("gate", name);
                json.WriteBoolean("passed", verdict.Passed);
                json.WriteString("reason", verdict.Reason);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (blocked is not null)
            {
                json.WriteString("blocked", blocked);
            }

            if (checkpoint is not null)
            {
                json.WriteString("checkpoint", checkpoint);
            }

            if (iteration.Outcome is { } outcome)
            {
                json.WriteString("outcome", string.Create(CultureInfo.InvariantCulture, $"{outcome.TasksSucceeded}/{outcome.TasksRun} succeeded, {outcome.TasksFailed} failed"));
                if (outcome.Commanders.Count > 0)
                {
                    // Which commanders of the CECCA ran the plan, with their share and spending (their split and delegation decisions are recorded beside this one).
                    json.WriteStartArray("commanders");
                    foreach (var commander in outcome.Commanders)
                    {
                        json.WriteStartObject();
                        json.WriteString("commander", commander.Name);
                        json.WriteNumber("assigned", commander.Assigned);
                        json.WriteNumber("succeeded", commander.Succeeded);
                        json.WriteNumber("failed", commander.Failed);
                        json.WriteString("budget", commander.Budget == Agents.Budget.Unlimited ? "shares the CECCA's" : commander.Budget.ToString());
                        json.WriteNumber("tokens", commander.Usage.Tokens);
                        if (commander.ExhaustedReason is { } exhausted)
                        {
                            json.WriteString("exhausted", exhausted);
                        }

                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }
            }

            if (iteration.Score is { } score)
            {
                json.WriteNumber("score", Math.Round(score, 4));
            }

            if (rollback is not null)
            {
                json.WriteString("rollback", rollback);
            }

            if (iteration.Notes.Count > 0)
            {
                json.WriteStartArray("notes");
                foreach (string note in iteration.Notes)
                {
                    json.WriteStringValue(note);
                }

                json.WriteEndArray();
            }

            if (stop is not null)
            {
                json.WriteString("stop", stop);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private void SetPhase(AutonomousPhase phase, bool force = false)
    {
        _phase = phase;
        var now = _time.GetUtcNow();
        if (force || now - _lastStatusWrite >= _options.StatusInterval)
        {
            _lastStatusWrite = now;
            WriteStatus(Snapshot());
        }
    }

    private void WriteStatus(AutonomousStatus status)
    {
        try
        {
            AutonomousStateFiles.WriteJsonAtomic(_files.StatusFile, status, AutonomousJsonContext.Default.AutonomousStatus);
        }
        catch (IOException)
        {
            // The status file is a convenience for other processes; a full disk must not stop the safety checks.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private AutonomousStatus Snapshot(AutonomousPhase? phase = null, bool? running = null, string? stopReason = null)
    {
        IterationScore[] scores;
        lock (_statusGate)
        {
            scores = [.. _scores];
        }

        bool isRunning = running ?? (Volatile.Read(ref _started) == 1 && !_completion.Task.IsCompleted);
        return new AutonomousStatus
        {
            Phase = phase ?? (isRunning || _startedAt is null ? _phase : AutonomousPhase.Stopped),
            Iteration = _iteration,
            LastScore = _lastScore,
            Scores = scores,
            LimitsUsed = _ledger?.Usage() ?? [],
            Running = isRunning,
            StartedAt = _startedAt,
            UpdatedAt = _time.GetUtcNow(),
            StopReason = stopReason ?? (isRunning ? null : _stopReason),
            ProcessId = Environment.ProcessId,
        };
    }
}
