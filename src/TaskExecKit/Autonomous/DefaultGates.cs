using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Execution;

namespace TaskExecKit.Autonomous;

/// <summary>
/// Triple verification (seed §9.2): every verifier checks the plan independently; the plan passes when at
/// least <c>quorum</c> approve. Any disagreement is recorded; fewer approvals than the quorum block.
/// </summary>
internal sealed class VerificationGate(IList<IPlanVerifier> verifiers, int quorum, AutonomousServices services) : IAutonomousGate
{
    public string Name => "verification";

    public async ValueTask<GateVerdict> CheckAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        if (iteration.Plan is null)
        {
            return GateVerdict.Pass("nothing to verify");
        }

        var verdicts = new List<(string Name, GateVerdict Verdict)>(verifiers.Count);
        foreach (var verifier in verifiers)
        {
            GateVerdict verdict;
            try
            {
                verdict = await verifier.VerifyAsync(iteration, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not LimitReachedException)
            {
                verdict = GateVerdict.Block($"verifier failed: {ex.Message}");
            }

            verdicts.Add((verifier.Name, verdict));
        }

        int approvals = verdicts.Count(v => v.Verdict.Passed);
        string summary = string.Join("; ", verdicts.Select(v => $"{v.Name} {(v.Verdict.Passed ? "approves" : "rejects")}: {v.Verdict.Reason}"));
        bool disagreement = approvals > 0 && approvals < verdicts.Count;
        if (disagreement)
        {
            services.Telemetry.RecordDecision("autonomous.verification.disagreement", summary, $"iteration {iteration.Number}", "autonomous");
        }

        string text = string.Create(CultureInfo.InvariantCulture, $"{approvals} of {verdicts.Count} verifiers approve (quorum {quorum}){(disagreement ? ", disagreement" : string.Empty)}: {summary}");
        return approvals >= quorum && (quorum > 0 || verdicts.Count == 0 || approvals == verdicts.Count) ? GateVerdict.Pass(text) : GateVerdict.Block(text);
    }
}

/// <summary>Verifier 1: rules. The plan validates, its effects are inside the envelope and it fits the task limit.</summary>
internal sealed class RulesVerifier(AutonomousServices services) : IPlanVerifier
{
    public string Name => "rules";

    public ValueTask<GateVerdict> VerifyAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        var plan = iteration.Plan!;
        var check = plan.Validate(services.Agents.CreateValidationOptions());
        if (!check.IsValid)
        {
            return ValueTask.FromResult(GateVerdict.Block("plan does not validate: " + AutonomousServices.Truncate(check.ToString(), 300)));
        }

        var problems = services.Envelope.Check(null, plan);
        if (problems.Count > 0)
        {
            return ValueTask.FromResult(GateVerdict.Block(string.Join("; ", problems)));
        }

        return ValueTask.FromResult(plan.Tasks.Count > iteration.RemainingTasks
            ? GateVerdict.Block($"{plan.Tasks.Count} tasks, {iteration.RemainingTasks} left under max_tasks")
            : GateVerdict.Pass($"{plan.Tasks.Count} task(s) valid and inside the envelope"));
    }
}

/// <summary>Verifier 2: a second model (its own client, never the deciding one) answers approve or reject.</summary>
internal sealed class ModelVerifier : IPlanVerifier
{
    internal static readonly OfflineRule OfflineRule = OfflineRule.Respond(@"^verify this plan", "approve: offline provider, fixed rule; the rules and dry-run verifiers carry the weight");

    private readonly AIAgent _agent;

    internal ModelVerifier(AutonomousServices services, IChatClient? client)
    {
        var builder = AIAgent.Builder().Id("autonomous-verify").TimeProvider(services.Time).Telemetry(services.Telemetry).MaxIterations(1);
        if (client is not null)
        {
            builder.ChatClient(client);
        }
        else
        {
            builder.Configure(services.Config.AI).OfflineRules(OfflineRule);
        }

        _agent = builder.Build();
    }

    public string Name => "model";

    public async ValueTask<GateVerdict> VerifyAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        iteration.EnsureModelBudget();
        var prompt = new StringBuilder("verify this plan for the goal '").Append(iteration.Goal).Append("'. Answer 'approve: why' or 'reject: why'.\n");
        foreach (var task in iteration.Plan!.Tasks)
        {
            prompt.Append("- ").Append(task.Id).Append(" agent=").Append(task.Agent ?? "-");
            if (task.Run is { } run)
            {
                prompt.Append(" run=").Append(string.Join(' ', run));
            }

            prompt.Append(" effects=").Append(string.Join(',', task.Effects)).Append('\n');
        }

        var response = await _agent.RunAsync(prompt.ToString(), cancellationToken).ConfigureAwait(false);
        iteration.ReportModelUsage(response.Usage.TotalTokens, response.Usage.CostEstimate);
        string text = response.Text.Trim();
        return text.StartsWith("approve", StringComparison.OrdinalIgnoreCase)
            ? GateVerdict.Pass(AutonomousServices.Truncate(text, 200))
            : GateVerdict.Block(AutonomousServices.Truncate(text.Length == 0 ? "no answer" : text, 200));
    }
}

/// <summary>Verifier 3: a dry run of the plan under the configured grants; every task must be walked and none denied (the diff between plan and dry run is empty).</summary>
internal sealed class DryRunVerifier(AutonomousServices services) : IPlanVerifier
{
    public string Name => "dry-run";

    public async ValueTask<GateVerdict> VerifyAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        var plan = iteration.Plan!;
        var executor = TaskExecutor.Builder()
            .Configure(services.Config)
            .Agents(services.Agents)
            .DryRun()
            .RunsDirectory(null)
            .WorkingDirectory(services.WorkingDirectory)
            .TimeProvider(services.Time)
            .Build();
        await using (executor.ConfigureAwait(false))
        {
            var result = await executor.RunAsync(plan, cancellationToken).ConfigureAwait(false);
            var walked = result.Tasks.Where(t => t.Status == TaskRunStatus.Succeeded).Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
            var missing = plan.Tasks.Where(t => !walked.Contains(t.Id)).Select(t => t.Id).ToList();
            if (missing.Count == 0)
            {
                return GateVerdict.Pass(string.Create(CultureInfo.InvariantCulture, $"dry run walked all {plan.Tasks.Count} task(s)"));
            }

            var why = result.Tasks.Where(t => t.Status != TaskRunStatus.Succeeded).Select(t => t.ToString());
            return GateVerdict.Block("dry run differs from the plan: " + AutonomousServices.Truncate(string.Join("; ", why), 300));
        }
    }
}

/// <summary>Manual override: a pending approval in <c>runtime/state/approvals/</c>; no decision before the timeout is a denial.</summary>
internal sealed class ApprovalGate(ApprovalBook book, TimeSpan timeout, TimeSpan poll) : IAutonomousGate
{
    public string Name => "approval";

    public async ValueTask<GateVerdict> CheckAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
    {
        if (iteration.Plan is not { } plan)
        {
            return GateVerdict.Pass("nothing to approve");
        }

        string summary = string.Create(CultureInfo.InvariantCulture, $"iteration {iteration.Number}: run {plan.Tasks.Count} task(s) ({AutonomousServices.Truncate(string.Join(", ", plan.Tasks.Select(t => t.Id)), 200)}) for '{iteration.Goal}'");
        var approval = book.Request(Name, summary, timeout);
        var decision = await book.WaitAsync(approval, poll, cancellationToken).ConfigureAwait(false);
        return decision.Approved
            ? GateVerdict.Pass($"approved by {decision.DecidedBy} (approval {approval.Id})")
            : GateVerdict.Block($"{(decision.DecidedBy == "engine" ? decision.Reason : $"rejected by {decision.DecidedBy}{(decision.Reason is null ? string.Empty : ": " + decision.Reason)}")} (approval {approval.Id})");
    }
}
