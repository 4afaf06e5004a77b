using BenchmarkDotNet.Attributes;
using TaskExecKit.Autonomous;
using TaskExecKit.Configuration;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Benchmarks.Autonomous;

/// <summary>
/// One cycle of the autonomous loop (SENSE → … → OBSERVE, the engine's limit and envelope checks, the
/// decision record into telemetry), reported per iteration: a run of <see cref="Iterations"/> iterations per operation.
/// <c>NoOpPhases</c>: every phase a no-op. <c>OfflineDecide</c>: DECIDE is the default AI chain on the offline provider.
/// Run: dotnet run -c Release --project benchmarks/TaskExecKit.Benchmarks -- --filter '*AutonomousLoop*' --job short --inProcess
/// </summary>
[MemoryDiagnoser]
public class AutonomousLoopBenchmarks
{
    private const int Iterations = 5_000;
    private string _dir = null!;
    private EngineConfig _config = null!;
    private TelemetrySystem _telemetry = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "tek-bench-auto-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(_dir, "config"));
        File.WriteAllText(Path.Combine(_dir, "config", "autonomous.toml"), $"cycle_interval = \"0s\"\n[limits]\nmax_iterations = {Iterations}\nmax_tasks = 100000000\nmax_tokens = 1000000000000\n");
        File.WriteAllText(Path.Combine(_dir, "config", "safety.toml"), $"kill_switch_file = \"{Path.Combine(_dir, "runtime", "state", "KILL")}\"\n");
        _config = EngineConfig.Load(Path.Combine(_dir, "config"));
        _telemetry = new TelemetrySystem(new TelemetryOptions
        {
            RuntimeDirectory = Path.Combine(_dir, "runtime"),
            DiscoverStore = false,
            Store = new TelemetryRecordBenchmarks.DiscardStore(),
            QueueCapacity = 1 << 20,
            WriteJsonLogs = false,
            PersistInstrumentMeasurements = false,
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _telemetry.DisposeAsync().AsTask().GetAwaiter().GetResult();
        var c = _telemetry.Counters;
        Console.WriteLine($"// telemetry: produced {c.Produced}, persisted {c.Persisted}, dropped {c.Dropped}");
        Directory.Delete(_dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Iterations)]
    public Task<AutonomousStatus> NoOpPhases() => RunAsync(offlineDecide: false);

    [Benchmark(OperationsPerInvoke = Iterations)]
    public Task<AutonomousStatus> OfflineDecide() => RunAsync(offlineDecide: true);

    private async Task<AutonomousStatus> RunAsync(bool offlineDecide)
    {
        var options = new AutonomousEngineOptions
        {
            RuntimeDirectory = Path.Combine(_dir, "runtime"),
            WorkingDirectory = _dir,
            Telemetry = _telemetry,
            Checkpoints = false,
            VerificationQuorum = 0,
            StatusInterval = TimeSpan.FromSeconds(1),
            ConfigurePhases = phases =>
            {
                phases.Sense = NoOp.Instance;
                if (!offlineDecide)
                {
                    phases.Decide = NoOp.Instance;
                }

                phases.Plan = NoOp.Instance;
                phases.Amplify = NoOp.Instance;
                phases.Gates.Clear();
                phases.Verifiers.Clear();
                phases.Run = NoOp.Instance;
                phases.Score = NoOp.Instance;
                phases.Observe = NoOp.Instance;
            },
        };
        await using var engine = new AutonomousEngine(_config, options);
        return await engine.RunHootlLoopAsync();
    }

    private sealed class NoOp : ISensePhase, IDecidePhase, IPlanPhase, IAmplifyPhase, IRunPhase, IScorePhase, IObservePhase
    {
        internal static readonly NoOp Instance = new();
        private static readonly AutonomousDecision Decision = new() { Action = AutonomousAction.Run, Reason = "no-op" };
        private static readonly Plan Plan = Planning.Plan.Builder().Task("noop", t => t.Agent("noop")).Build();
        private static readonly ResourceAllocation Allocation = new(1, 0, TimeSpan.Zero);
        private static readonly IterationOutcome Outcome = new(1, 1, 0, "ok");

        public ValueTask SenseAsync(AutonomousIteration iteration, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<AutonomousDecision> DecideAsync(AutonomousIteration iteration, CancellationToken cancellationToken) => ValueTask.FromResult(Decision);

        ValueTask<Plan?> IPlanPhase.PlanAsync(AutonomousIteration iteration, CancellationToken cancellationToken) => ValueTask.FromResult<Plan?>(Plan);

        public ValueTask<ResourceAllocation> AmplifyAsync(AutonomousIteration iteration, CancellationToken cancellationToken) => ValueTask.FromResult(Allocation);

        public ValueTask<IterationOutcome> RunAsync(AutonomousIteration iteration, CancellationToken cancellationToken) => ValueTask.FromResult(Outcome);

        public ValueTask<double> ScoreAsync(AutonomousIteration iteration, CancellationToken cancellationToken) => ValueTask.FromResult(1.0);

        public ValueTask ObserveAsync(AutonomousIteration iteration, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
