using TaskExecKit.Agents;
using TaskExecKit.Effects;

namespace TaskExecKit.Execution;

/// <summary>
/// Collects a <see cref="TaskExecutor"/>'s settings; <see cref="Build"/> checks them and reads the
/// legacy configuration. Defaults: one worker per processor, the built-in agents, nothing granted,
/// no evidence written, no timeout, no retries, in-process backend.
/// </summary>
public sealed class TaskExecutorBuilder
{
    /// <summary>The most workers an executor may have.</summary>
    public const int MaxWorkersLimit = 1024;

    /// <summary>The longest timeout an attempt may have (Polly's limit); longer plan timeouts are capped to it.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    private readonly List<Capability> _grants = [];
    private int _maxWorkers = Environment.ProcessorCount;
    private EffectPolicy? _policy;
    private AgentRegistry? _agents;
    private string? _workingDirectory;
    private string? _runsDirectory;
    private string? _configDirectory;
    private bool _dryRun;
    private bool _failFast;
    private TimeSpan? _defaultTimeout;
    private int _defaultRetries;
    private TimeSpan _retryDelay = TimeSpan.FromSeconds(1);
    private TimeProvider _timeProvider = System.TimeProvider.System;
    private IExecutionBackend? _backend;
    private IEffectAuditor? _auditor;
    private IProgress<TaskProgress>? _progress;
    private Telemetry.TelemetrySystem? _telemetry;
    private IRunJournal? _journal;

    internal TaskExecutorBuilder()
    {
    }

    /// <summary>
    /// Applies the configuration's defaults: from <c>core.toml</c> the workers, default timeout and
    /// retries, fail-fast, dry run and the runs folder; from <c>safety.toml</c> the grants every
    /// task gets. Call it first; later calls override what it set.
    /// </summary>
    /// <param name="config">The loaded configuration, for example <c>EngineConfig.Load("config")</c>.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder Configure(Configuration.EngineConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var core = config.Core;
        MaxWorkers(Math.Min(core.MaxWorkers, MaxWorkersLimit));
        DefaultTimeout(core.DefaultTimeout > TimeSpan.Zero ? core.DefaultTimeout : null);
        DefaultRetries(core.DefaultRetries);
        FailFast(core.FailFast);
        DryRun(core.DryRun);
        RunsDirectory(core.RunsDirectory);
        return Grant(config.Safety.Grants.ToCapabilities());
    }

    /// <summary>Sets how many tasks may run at once (1 to <see cref="MaxWorkersLimit"/>); the processor count by default.</summary>
    /// <param name="maxWorkers">The number of workers.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder MaxWorkers(int maxWorkers)
    {
        _maxWorkers = maxWorkers;
        return this;
    }

    /// <summary>Grants a capability to every task (the host's grants), on top of <see cref="Policy"/>.</summary>
    /// <param name="capability">What to allow.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder Grant(Capability capability)
    {
        ArgumentNullException.ThrowIfNull(capability);
        _grants.Add(capability);
        return this;
    }

    /// <summary>Grants capabilities to every task (for example those read from configuration).</summary>
    /// <param name="capabilities">What to allow.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder Grant(IEnumerable<Capability> capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        foreach (var capability in capabilities)
        {
            Grant(capability);
        }

        return this;
    }

    /// <summary>
    /// Sets the base policy for every task; <see cref="Grant(Capability)"/> adds to it and each task's
    /// <c>effects:</c> add to that. By default nothing is granted and relative paths are read from
    /// the working directory.
    /// </summary>
    /// <param name="policy">The policy.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder Policy(EffectPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = policy;
        return this;
    }

    /// <summary>Sets the agents plans may name; <see cref="AgentRegistry.CreateDefault"/> by default. The registry is copied by <see cref="Build"/>.</summary>
    /// <param name="agents">The registry.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder Agents(AgentRegistry agents)
    {
        ArgumentNullException.ThrowIfNull(agents);
        _agents = agents;
        return this;
    }

    /// <summary>Sets the directory commands run in and relative paths are read from; the current directory by default.</summary>
    /// <param name="path">The directory.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder WorkingDirectory(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        _workingDirectory = path;
        return this;
    }

    /// <summary>
    /// Sets where runs write their evidence (<c>&lt;path&gt;/&lt;yyyyMMdd_HHmmssZ&gt;/run.json</c> and
    /// <c>logs/</c>); null, the default, writes none.
    /// </summary>
    /// <param name="path">The runs folder, for example <c>runs</c>.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder RunsDirectory(string? path)
    {
        _runsDirectory = path;
        return this;
    }

    /// <summary>
    /// Sets the folder holding the legacy <c>hooks.json</c> and <c>manifest.json</c> (for example
    /// <c>config</c>); missing files are fine. Null, the default, reads none.
    /// </summary>
    /// <param name="path">The configuration folder.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder ConfigDirectory(string? path)
    {
        _configDirectory = path;
        return this;
    }

    /// <summary>Makes runs walk the graph and write evidence without calling any agent or performing any effect.</summary>
    /// <param name="dryRun">True for dry runs.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder DryRun(bool dryRun = true)
    {
        _dryRun = dryRun;
        return this;
    }

    /// <summary>Makes the first failed task stop the run: running tasks are cancelled, the rest are skipped.</summary>
    /// <param name="failFast">True to stop at the first failure.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder FailFast(bool failFast = true)
    {
        _failFast = failFast;
        return this;
    }

    /// <summary>Sets the timeout of one attempt for tasks whose plan gives none; null (the default) for none.</summary>
    /// <param name="timeout">The timeout, at most <see cref="MaxTimeout"/>.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder DefaultTimeout(TimeSpan? timeout)
    {
        _defaultTimeout = timeout;
        return this;
    }

    /// <summary>Sets how often a transient failure is retried for tasks whose plan does not say; 0 by default.</summary>
    /// <param name="retries">The number of retries.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder DefaultRetries(int retries)
    {
        _defaultRetries = retries;
        return this;
    }

    /// <summary>Sets the delay before the first retry (doubling with each retry, with jitter); 1 second by default.</summary>
    /// <param name="delay">The delay; zero retries at once.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder RetryDelay(TimeSpan delay)
    {
        _retryDelay = delay;
        return this;
    }

    /// <summary>Sets the clock for timestamps, timeouts and retry delays; <see cref="TimeProvider.System"/> by default.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder TimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        return this;
    }

    /// <summary>Sets where ready tasks run; in this process by default.</summary>
    /// <param name="backend">The backend.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder Backend(IExecutionBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backend = backend;
        return this;
    }

    /// <summary>Sets who is told about every effect check agents make; nobody by default.</summary>
    /// <param name="auditor">The auditor.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder Auditor(IEffectAuditor auditor)
    {
        ArgumentNullException.ThrowIfNull(auditor);
        _auditor = auditor;
        return this;
    }

    /// <summary>Sets who is told when a task starts or finishes; called from worker threads.</summary>
    /// <param name="progress">The receiver.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder Progress(IProgress<TaskProgress> progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        _progress = progress;
        return this;
    }

    /// <summary>
    /// Records every run in a <see cref="Telemetry.TelemetrySystem"/>: task started and finished
    /// events with durations, outcomes and attempts (the agents' metrics), and every effect check,
    /// allowed or denied, in the audit trail. The host's <see cref="Progress"/> and
    /// <see cref="Auditor"/> still receive everything. The executor does not own the telemetry:
    /// dispose it yourself after the executor.
    /// </summary>
    /// <param name="telemetry">Where to record.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder Telemetry(Telemetry.TelemetrySystem telemetry)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        _telemetry = telemetry;
        return this;
    }

    /// <summary>
    /// Journals every task's start and finish in <paramref name="journal"/> before acting on it, so a
    /// run stopped at any moment can be continued with <see cref="TaskExecutor.ResumeAsync"/>. Dry runs
    /// are not journaled. The executor does not own the journal.
    /// </summary>
    /// <param name="journal">Where to record.</param>
    /// <returns>This builder.</returns>
    public TaskExecutorBuilder Journal(IRunJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        _journal = journal;
        return this;
    }

    /// <summary>Checks the settings, reads the legacy configuration and creates the executor.</summary>
    /// <returns>The executor; dispose it to cancel and await any run still going.</returns>
    /// <exception cref="ArgumentException">A setting is out of range or missing; the message names it.</exception>
    /// <exception cref="TaskExecKitException">config/hooks.json or config/manifest.json cannot be read; the message names the file and problem.</exception>
    public TaskExecutor Build()
    {
        if (_maxWorkers is < 1 or > MaxWorkersLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxWorkers), _maxWorkers, $"MaxWorkers must be between 1 and {MaxWorkersLimit}.");
        }

        if (_defaultRetries is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultRetries), _defaultRetries, "DefaultRetries must be between 0 and 100.");
        }

        if (_defaultTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > MaxTimeout))
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultTimeout), timeout, "DefaultTimeout must be positive and at most one day, or null for none.");
        }

        if (_retryDelay < TimeSpan.Zero || _retryDelay > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(RetryDelay), _retryDelay, "RetryDelay must be between zero and one hour.");
        }

        string workingDirectory = Path.GetFullPath(_workingDirectory ?? Environment.CurrentDirectory);
        if (!Directory.Exists(workingDirectory))
        {
            throw new ArgumentException($"WorkingDirectory {workingDirectory} does not exist.", nameof(WorkingDirectory));
        }

        var policy = (_policy ?? EffectPolicy.Builder().BaseDirectory(workingDirectory).Build()).Merge(_grants);
        var config = LegacyConfig.Load(_configDirectory is null ? null : Path.GetFullPath(_configDirectory, workingDirectory));
        var recorder = _telemetry is null ? null : new ExecutionTelemetry(_telemetry, _progress, _auditor);
        return new TaskExecutor(new ExecutorSettings(
            _maxWorkers,
            policy,
            (_agents ?? AgentRegistry.CreateDefault()).Snapshot(),
            workingDirectory,
            _runsDirectory is null ? null : Path.GetFullPath(_runsDirectory, workingDirectory),
            config,
            _dryRun,
            _failFast,
            _defaultTimeout,
            _defaultRetries,
            _retryDelay,
            _timeProvider,
            _backend ?? InProcessBackend.Instance,
            recorder ?? _auditor,
            recorder ?? _progress,
            _journal));
    }
}

/// <summary>An executor's checked, immutable settings.</summary>
internal sealed record ExecutorSettings(
    int MaxWorkers,
    EffectPolicy Policy,
    AgentRegistry Agents,
    string WorkingDirectory,
    string? RunsDirectory,
    LegacyConfig Config,
    bool DryRun,
    bool FailFast,
    TimeSpan? DefaultTimeout,
    int DefaultRetries,
    TimeSpan RetryDelay,
    TimeProvider TimeProvider,
    IExecutionBackend Backend,
    IEffectAuditor? Auditor,
    IProgress<TaskProgress>? Progress,
    IRunJournal? Journal = null);
