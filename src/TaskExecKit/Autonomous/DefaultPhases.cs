using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Autonomous;

/// <summary>What the default phases share: the engine's services, its envelope and its short memory.</summary>
internal sealed class AutonomousServices
{
    internal required Configuration.EngineConfig Config { get; init; }

    internal required AutonomousEngineOptions Options { get; init; }

    internal required TelemetrySystem Telemetry { get; init; }

    internal required TimeProvider Time { get; init; }

    internal required AutonomousStateFiles Files { get; init; }

    internal required Envelope Envelope { get; init; }

    internal required string WorkingDirectory { get; init; }

    internal required string RunsDirectory { get; init; }

    /// <summary>OBSERVE's notes for the next SENSE (most recent last, at most 5).</summary>
    internal Queue<string> Memory { get; } = new();

    internal string? LastOutput { get; set; }

    internal static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");
}

/// <summary>SENSE: the goal, the last score and outcomes, limits used and telemetry counters.</summary>
internal sealed class DefaultSensePhase(AutonomousServices services) : ISensePhase
{
    public ValueTask SenseAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = iteration.Observations;
        o["iteration"] = iteration.Number.ToString(inv);
        o["last_score"] = iteration.LastScore?.ToString("0.###", inv) ?? "none";
        o["remaining_tasks"] = iteration.RemainingTasks.ToString(inv);
        o["remaining_tokens"] = iteration.RemainingTokens.ToString(inv);
        var counters = services.Telemetry.Counters;
        o["telemetry"] = string.Create(inv, $"{counters.Produced} events, {counters.Persisted} persisted");
        if (services.Memory.Count > 0)
        {
            o["history"] = string.Join(" | ", services.Memory);
        }

        if (services.LastOutput is { } output)
        {
            // Untrusted: task output can say anything. It is data for the model, never an instruction to the engine.
            o["last_output"] = AutonomousServices.Truncate(output, 1000);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>DECIDE: asks the AI chain (an <see cref="AIAgent"/>; offline by default) and parses its answer; the engine adds its own risk assessment.</summary>
internal sealed class DefaultDecidePhase : IDecidePhase
{
    /// <summary>The offline provider's rule for the engine: run the goal plan (or one harmless check) every iteration.</summary>
    internal static readonly OfflineRule OfflineRule = OfflineRule.Respond(
        @"^decide the next action",
        "action: run\nreason: offline provider: fixed rule, run the goal plan\nrisk: low\noption: run the goal plan\noption: wait");

    private readonly AIAgent _agent;

    internal DefaultDecidePhase(AutonomousServices services, IChatClient? client)
    {
        var builder = AIAgent.Builder().Id("autonomous-decide").TimeProvider(services.Time).Telemetry(services.Telemetry).MaxIterations(1);
        if (client is not null)
        {
            builder.ChatClient(client);
        }
        else
        {
            builder.Configure(services.Config.AI).OfflineRules([OfflineRule, .. OfflineRule.Defaults]);
        }

        _agent = builder.Build();
    }

    public async ValueTask<AutonomousDecision> DecideAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        iteration.EnsureModelBudget();
        var response = await _agent.RunAsync(DecisionText.Prompt(iteration), cancellationToken).ConfigureAwait(false);
        iteration.ReportModelUsage(response.Usage.TotalTokens);
        if (!response.IsCompleted)
        {
            iteration.Notes.Add($"decide: model stopped early ({response.StopReason}: {response.StopDetail})");
        }

        return DecisionText.Parse(response.Text);
    }
}

/// <summary>PLAN: proposed tasks become a plan; otherwise the goal plan; validated against the registered agents.</summary>
internal sealed class DefaultPlanPhase(AutonomousServices services) : IPlanPhase
{
    public ValueTask<Plan?> PlanAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        if (iteration.Decision is not { Action: AutonomousAction.Run } decision)
        {
            return ValueTask.FromResult<Plan?>(null);
        }

        if (decision.Tasks.Count == 0)
        {
            if (services.Options.GoalPlan is { } goal)
            {
                return ValueTask.FromResult<Plan?>(goal);
            }

            // No goal plan: one harmless task, so the loop shows its full cycle.
            return ValueTask.FromResult<Plan?>(Plan.Builder().Source("autonomous").Task("autonomous-check", t => t.Agent("noop").Title("Autonomous check")).Build());
        }

        var builder = Plan.Builder().Source("autonomous decision");
        foreach (var task in decision.Tasks)
        {
            builder.Task(task.Id, t =>
            {
                t.Agent(task.Agent);
                if (task.Run.Count > 0)
                {
                    t.Run([.. task.Run]);
                }

                var effects = new List<Capability>();
                foreach (string effect in task.Effects)
                {
                    if (Capability.TryParse(effect, out var cap))
                    {
                        effects.Add(cap);
                    }
                }

                if (effects.Count > 0)
                {
                    t.Effects([.. effects]);
                }
            });
        }

        Plan plan = builder.Build();
        var check = plan.Validate();
        if (!check.IsValid)
        {
            throw new AutonomousException("the proposed plan does not validate: " + AutonomousServices.Truncate(check.ToString(), 500));
        }

        return ValueTask.FromResult<Plan?>(plan);
    }
}

/// <summary>AMPLIFY: workers from the plan's width (optimizer analysis), bounded by core.max_workers; budgets from what the limits leave.</summary>
internal sealed class DefaultAmplifyPhase(AutonomousServices services, LimitLedger ledger) : IAmplifyPhase
{
    public ValueTask<ResourceAllocation> AmplifyAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        int width = iteration.Plan is { Tasks.Count: > 0 } plan ? Math.Max(1, plan.Analyze().MaxWidth) : 1;
        int workers = Math.Clamp(width, 1, Math.Max(1, services.Config.Core.MaxWorkers));
        return ValueTask.FromResult(new ResourceAllocation(workers, ledger.RemainingTokens, ledger.RemainingWallTime));
    }
}

/// <summary>RUN: the plan through the existing <see cref="TaskExecutor"/> under the configured grants (the CECCA hierarchy replaces this at merge).</summary>
internal sealed class ExecutorRunPhase(AutonomousServices services) : IRunPhase
{
    public async ValueTask<IterationOutcome> RunAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        if (iteration.Plan is not { } plan)
        {
            return IterationOutcome.Nothing;
        }

        var executor = TaskExecutor.Builder()
            .Configure(services.Config)
            .MaxWorkers(iteration.Allocation?.MaxWorkers ?? 1)
            .WorkingDirectory(services.WorkingDirectory)
            .RunsDirectory(services.RunsDirectory)
            .TimeProvider(services.Time)
            .Telemetry(services.Telemetry)
            .Build();
        await using (executor.ConfigureAwait(false))
        {
            RunResult result = await executor.RunAsync(plan, cancellationToken).ConfigureAwait(false);
            return Outcome(result);
        }
    }

    internal static IterationOutcome Outcome(RunResult result)
    {
        var started = result.Tasks.Where(t => t.StartedAt is not null).OrderBy(t => t.FinishedAt ?? DateTimeOffset.MaxValue).ToList();
        static bool Failed(TaskRunResult t) => t.Status is TaskRunStatus.Failed or TaskRunStatus.TimedOut or TaskRunStatus.Denied;
        var detail = new StringBuilder();
        foreach (var task in result.Tasks)
        {
            detail.Append(task.ToString()).Append("; ");
        }

        return new IterationOutcome(
            started.Count,
            started.Count(t => t.Status == TaskRunStatus.Succeeded),
            result.Tasks.Count(Failed),
            AutonomousServices.Truncate(detail.ToString().TrimEnd(' ', ';'), 2000))
        {
            FailureSequence = [.. started.Select(Failed)],
        };
    }
}

/// <summary>SCORE: the share of tasks that succeeded; 1 when nothing ran and nothing was blocked.</summary>
internal sealed class DefaultScorePhase : IScorePhase
{
    public ValueTask<double> ScoreAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        var outcome = iteration.Outcome ?? IterationOutcome.Nothing;
        double score = outcome.TasksRun == 0 ? (outcome.TasksFailed > 0 ? 0 : 1) : (double)outcome.TasksSucceeded / outcome.TasksRun;
        return ValueTask.FromResult(score);
    }
}

/// <summary>OBSERVE: keeps the last few outcomes (what worked, what failed) for the next SENSE.</summary>
internal sealed class DefaultObservePhase(AutonomousServices services) : IObservePhase
{
    public ValueTask ObserveAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        var outcome = iteration.Outcome ?? IterationOutcome.Nothing;
        string note = string.Create(CultureInfo.InvariantCulture, $"#{iteration.Number} {iteration.Decision?.Action.ToString().ToLowerInvariant() ?? "-"} score {iteration.Score:0.###} ({outcome.TasksSucceeded}/{outcome.TasksRun} ok)");
        services.Memory.Enqueue(note);
        while (services.Memory.Count > 5)
        {
            services.Memory.Dequeue();
        }

        services.LastOutput = iteration.Outcome is null ? null : outcome.Detail;
        return ValueTask.CompletedTask;
    }
}
