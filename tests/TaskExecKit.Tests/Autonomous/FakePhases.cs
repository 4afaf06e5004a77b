using TaskExecKit.Autonomous;

namespace TaskExecKit.Tests.Autonomous;

/// <summary>A RUN phase that runs nothing: it counts the plan's tasks as run, failing the ones the script says.</summary>
internal sealed class CountingRunPhase(Func<AutonomousIteration, IterationOutcome>? script = null) : IRunPhase
{
    public int TasksRun { get; private set; }

    public int Calls { get; private set; }

    public ValueTask<IterationOutcome> RunAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        Calls++;
        var outcome = script?.Invoke(iteration) ?? new IterationOutcome(iteration.Plan!.Tasks.Count, iteration.Plan.Tasks.Count, 0, "ok");
        TasksRun += outcome.TasksRun;
        return ValueTask.FromResult(outcome);
    }
}

internal static class FastPhases
{
    /// <summary>No verifiers (quorum 0), a counting RUN, no checkpoints: the loop without the executor.</summary>
    public static void Use(AutonomousEngineOptions options, CountingRunPhase run)
    {
        options.Checkpoints = false;
        options.VerificationQuorum = 0;
        options.ConfigurePhases = phases =>
        {
            phases.Verifiers.Clear();
            phases.Run = run;
        };
    }
}
