using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Autonomous;

namespace TaskExecKit.Tests.Autonomous;

/// <summary>The limits are exact: nothing passes max_iterations or max_tasks, tokens pass max_tokens by at most one call.</summary>
public sealed class AutonomousLimitPropertyTests
{
    public sealed record Scenario(int MaxIterations, int MaxTasks, int TasksPerPlan, int TokensPerCall, int MaxTokens, int FailEvery, int MaxConsecutiveFailures);

    private static readonly Gen<Scenario> ScenarioGen =
        from maxIterations in Gen.Choose(1, 8)
        from maxTasks in Gen.Choose(1, 12)
        from tasksPerPlan in Gen.Choose(1, 4)
        from tokensPerCall in Gen.Choose(1, 60)
        from maxTokens in Gen.Choose(1, 300)
        from failEvery in Gen.Choose(0, 3)
        from maxConsecutive in Gen.Choose(1, 6)
        select new Scenario(maxIterations, maxTasks, tasksPerPlan, tokensPerCall, maxTokens, failEvery, maxConsecutive);

    [Property(MaxTest = 40)]
    public Property Limits_AreNeverPassed_AndTheStopNamesTheLimit()
        => Prop.ForAll(ScenarioGen.ToArbitrary(), s =>
        {
            var (final, run, tokens, calls) = RunAsync(s).GetAwaiter().GetResult();
            bool iterations = final.Iteration <= s.MaxIterations;
            bool tasks = run.TasksRun <= s.MaxTasks;
            bool tokenBound = tokens <= s.MaxTokens + s.TokensPerCall;
            bool noCallAfterBudget = tokens - s.TokensPerCall < s.MaxTokens;
            bool named = final.StopReason is { } r && r.Contains("limit max_", StringComparison.Ordinal);
            bool modelCallsBounded = calls <= s.MaxIterations;
            return (iterations && tasks && tokenBound && noCallAfterBudget && named && modelCallsBounded)
                .Label($"iterations {final.Iteration}/{s.MaxIterations} tasks {run.TasksRun}/{s.MaxTasks} tokens {tokens}/{s.MaxTokens} (+{s.TokensPerCall}) calls {calls} stop '{final.StopReason}'");
        });

    [Property(MaxTest = 25)]
    public Property MaxIterations_IsExact_WhenNothingElseStopsTheLoop()
        => Prop.ForAll(Gen.Choose(1, 12).ToArbitrary(), n =>
        {
            var s = new Scenario(n, 1000, 1, 1, 1_000_000, 0, 5);
            var (final, run, _, calls) = RunAsync(s).GetAwaiter().GetResult();
            return (final.Iteration == n && run.Calls == n && calls == n && final.StopReason!.Contains("max_iterations", StringComparison.Ordinal))
                .Label($"ran {final.Iteration} of {n}: {final.StopReason}");
        });

    private static async Task<(AutonomousStatus Final, CountingRunPhase Run, long Tokens, int Calls)> RunAsync(Scenario s)
    {
        string limits = string.Create(CultureInfo.InvariantCulture,
            $"max_iterations = {s.MaxIterations}\nmax_tasks = {s.MaxTasks}\nmax_tokens = {s.MaxTokens}\nmax_consecutive_failures = {s.MaxConsecutiveFailures}\nmax_error_rate = 1.0");
        await using var h = new EngineHarness(limits);
        string tasks = string.Join('\n', Enumerable.Range(1, s.TasksPerPlan).Select(i => $"task: t{i}; agent=noop"));
        var model = new ScriptedModel([$"action: run\nreason: more\n{tasks}"]) { TokensPerCall = s.TokensPerCall };
        int iteration = 0;
        var run = new CountingRunPhase(it =>
        {
            iteration++;
            int count = it.Plan!.Tasks.Count;
            bool fail = s.FailEvery > 0 && iteration % s.FailEvery == 0;
            return new IterationOutcome(count, fail ? 0 : count, fail ? count : 0, fail ? "failed" : "ok");
        });
        await using var engine = new AutonomousEngine(h.Config, h.Options(model, o => FastPhases.Use(o, run)));
        var final = await engine.RunHootlLoopAsync();
        return (final, run, engine.Ledger!.Tokens, model.Prompts.Count);
    }
}
