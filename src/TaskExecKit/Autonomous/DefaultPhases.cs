using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Hierarchy;
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

    /// <summary>The agent catalog RUN's commanders take their stacks from (and the dry-run verifier checks against).</summary>
    internal required AgentRegistry Agents { get; init; }

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
        iteration.ReportModelUsage(response.Usage.TotalTokens, response.Usage.CostEstimate);
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
        var check = plan.Validate(services.Agents.CreateValidationOptions());
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

/// <summary>
/// RUN: the plan through the CECCA hierarchy (seed §4.1 "RUN (the CECCA hierarchy over the executor)"). The CECCA comes
/// from the configuration folder's <c>hierarchy.toml</c> when it has one, else a default one: a commander per plan queue
/// (split by queue), each with the whole agent catalog, sharing the CECCA's budget, failures escalated to the engine.
/// AMPLIFY's allocation is the CECCA's budget (tokens, wall time, concurrency; and the cost the limits leave), never more
/// than the limits leave, so the engine's limits hold inside the hierarchy too. The tasks run on one executor under
/// <c>safety.toml</c>'s grants, with the engine's telemetry (which records the CECCA's decisions).
/// </summary>
internal sealed partial class CeccaRunPhase : IRunPhase
{
    private const string DefaultName = "cecca";

    private readonly AutonomousServices _services;
    private readonly LimitLedger _ledger;

    internal CeccaRunPhase(AutonomousServices services, LimitLedger ledger)
    {
        _services = services;
        _ledger = ledger;
        if (services.Config.HierarchyFile is { } file)
        {
            // A broken hierarchy.toml fails the start (file, line, key), not every iteration.
            Configured = Cecca.Builder().Configure(file, services.Agents).Build();
        }
    }

    /// <summary>Gets the CECCA as <c>hierarchy.toml</c> describes it (its own budget), or null when RUN builds the default one.</summary>
    internal Cecca? Configured { get; }

    public async ValueTask<IterationOutcome> RunAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        if (iteration.Plan is not { } plan)
        {
            return IterationOutcome.Nothing;
        }

        var budget = BudgetFor(iteration);
        var cecca = Build(plan, budget);
        iteration.Notes.Add($"run: CECCA '{cecca.Name}' ({(Configured is null ? "default: one commander per queue" : "hierarchy.toml")}), budget {budget}, commanders {string.Join(", ", cecca.Commanders.Select(c => c.Budget == Budget.Unlimited ? c.Name : $"{c.Name} [{c.Budget}]"))}");
        CeccaResult result = await cecca.RunAsync(plan, iteration.Goal, cancellationToken).ConfigureAwait(false);
        if (result.Usage.Tokens > 0 || result.Usage.Cost > 0)
        {
            // What the tasks' model calls spent counts toward max_tokens / max_cost like DECIDE's calls.
            iteration.ReportModelUsage(result.Usage.Tokens, result.Usage.Cost > 0 ? result.Usage.Cost : null);
        }

        if (result.StopReason is { } stopped)
        {
            iteration.Notes.Add("run: the CECCA stopped: " + stopped);
        }

        return Outcome(result.Run) with { Commanders = result.Commanders };
    }

    /// <summary>AMPLIFY's allocation, capped by what the limits leave now (a host's AMPLIFY cannot hand out more than that).</summary>
    internal Budget BudgetFor(AutonomousIteration iteration)
    {
        var allocation = iteration.Allocation;
        long tokens = Math.Min(allocation?.TokenBudget ?? long.MaxValue, _ledger.RemainingTokens);
        var left = _ledger.RemainingWallTime;
        TimeSpan wall = allocation is { TimeBudget: var t } && t < left ? t : left;
        int workers = Math.Clamp(allocation?.MaxWorkers ?? 1, 1, TaskExecutorBuilder.MaxWorkersLimit);
        return new Budget(MaxTokens: Math.Max(0, tokens), MaxCost: _ledger.RemainingCost, MaxWallTime: wall < TimeSpan.Zero ? TimeSpan.Zero : wall, MaxConcurrency: workers);
    }

    private Cecca Build(Plan plan, Budget budget)
    {
        var services = _services;
        var builder = Cecca.Builder();
        if (services.Config.HierarchyFile is { } file && Configured is not null)
        {
            builder.Configure(file, services.Agents).FitInto(budget);
        }
        else
        {
            builder.Name(DefaultName).SplitBy(CeccaSplit.Queue).OnFailure(static _ => FailureAction.Escalate).Budget(budget);
            var names = new HashSet<string>(StringComparer.Ordinal);
            var queues = plan.Queues.Select(q => q.Name).Distinct(StringComparer.Ordinal).ToList();
            if (queues.Count == 0)
            {
                queues.Add("main");
            }

            foreach (string queue in queues)
            {
                // Every commander gets the whole catalog and shares the CECCA's budget (an explicit open share):
                // the plain executor's behaviour, with the engine's allocation as the one bound.
                builder.Commander(CommanderName(queue, names), c => c.Queues(queue).Agents(services.Agents).Budget(Budget.Unlimited));
            }
        }

        return builder
            .Telemetry(services.Telemetry)
            .TimeProvider(services.Time)
            .Executor(x => x
                .Configure(services.Config)
                .WorkingDirectory(services.WorkingDirectory)
                .RunsDirectory(services.RunsDirectory)
                .TimeProvider(services.Time))
            .Build();
    }

    /// <summary>A commander name from a queue heading: letters, digits, '-' and '_', at most 64, unique.</summary>
    private static string CommanderName(string queue, HashSet<string> taken)
    {
        string name = NotName().Replace(queue.Trim(), "-").Trim('-');
        if (name.Length == 0)
        {
            name = "queue";
        }

        name = name.Length > 60 ? name[..60] : name;
        string unique = name;
        for (int i = 2; !taken.Add(unique); i++)
        {
            unique = string.Create(CultureInfo.InvariantCulture, $"{name}-{i}");
        }

        return unique;
    }

    [System.Text.RegularExpressions.GeneratedRegex("[^A-Za-z0-9_-]+")]
    private static partial System.Text.RegularExpressions.Regex NotName();

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
