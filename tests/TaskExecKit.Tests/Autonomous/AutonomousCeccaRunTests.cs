using System.Globalization;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Agents;
using TaskExecKit.Autonomous;
using TaskExecKit.Configuration;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Autonomous;

/// <summary>The default RUN phase: the plan goes through the CECCA hierarchy, with AMPLIFY's allocation as its budget.</summary>
public sealed class AutonomousCeccaRunTests
{
    [Fact]
    public async Task DefaultRun_NoHierarchyToml_OneCommanderPerQueue_RecordedInTheDecision()
    {
        await using var h = new EngineHarness("max_iterations = 1", sqlite: true);
        var plan = Plan.Builder()
            .Task("compile", t => t.Queue("Build & Test").Agent("noop"))
            .Task("lint", t => t.Queue("Build & Test").Agent("noop"))
            .Task("publish", t => t.Queue("Release").Agent("noop").Needs("compile"))
            .Build();
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o => { o.GoalPlan = plan; o.Checkpoints = false; }));
        var final = await engine.RunHootlLoopAsync();

        Assert.Equal(1.0, final.LastScore);
        Assert.Equal(3, final.LimitsUsed.Single(l => l.Name == "max_tasks").Used);
        using var record = JsonDocument.Parse(Assert.Single(await h.DecisionsAsync()).Detail!);
        var commanders = record.RootElement.GetProperty("commanders").EnumerateArray().ToList();
        Assert.Equal(["Build-Test", "Release"], commanders.Select(c => c.GetProperty("commander").GetString()));
        Assert.Equal([2, 1], commanders.Select(c => c.GetProperty("assigned").GetInt32()));
        Assert.Equal([2, 1], commanders.Select(c => c.GetProperty("succeeded").GetInt32()));
        Assert.Contains(record.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("CECCA 'cecca' (default: one commander per queue)", StringComparison.Ordinal));

        // The CECCA's own decisions are in the same (SQLite) decision log, under its name.
        var cecca = (await h.EventsAsync(TelemetryEventKind.Decision)).Where(e => e.AgentId == "cecca").Select(e => e.Name).ToList();
        Assert.Contains("cecca.start", cecca);
        Assert.Equal(2, cecca.Count(n => n == "cecca.split"));
        Assert.True(File.Exists(Path.Combine(h.Runtime, "database", "telemetry.db")));
    }

    [Fact]
    public async Task HierarchyToml_InTheConfigFolder_IsTheRunsHierarchy_AndItsSharesFitTheEngineLimits()
    {
        // Explicit shares far above what the engine's limits leave: they are cut to fit, never rejected or honoured.
        const string Hierarchy = """
            name = "ops"
            split = "queue"
            [budget]
            max_tokens = 10_000_000
            [[commanders]]
            name = "builders"
            queues = ["Build"]
            agents = ["noop", "shell"]
            [commanders.budget]
            max_tokens = 9_000_000
            max_concurrency = 8
            [[commanders]]
            name = "checkers"
            queues = ["Check"]
            agents = ["noop"]
            """;
        await using var h = new EngineHarness("max_iterations = 1\nmax_tokens = 5000", sqlite: true, hierarchy: Hierarchy);
        Assert.Equal(Path.Combine(h.Root, "config", "hierarchy.toml"), h.Config.HierarchyFile);
        Assert.Contains(h.Config.HierarchyFile, h.Config.Sources);
        var plan = Plan.Builder()
            .Task("build", t => t.Queue("Build").Agent("noop"))
            .Task("check", t => t.Queue("Check").Agent("noop").Needs("build"))
            .Build();
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o => { o.GoalPlan = plan; o.Checkpoints = false; }));
        var final = await engine.RunHootlLoopAsync();

        Assert.Equal(1.0, final.LastScore);
        using var record = JsonDocument.Parse(Assert.Single(await h.DecisionsAsync()).Detail!);
        var commanders = record.RootElement.GetProperty("commanders").EnumerateArray().ToList();
        Assert.Equal(["builders", "checkers"], commanders.Select(c => c.GetProperty("commander").GetString()));
        Assert.All(commanders, c => Assert.Equal(1, c.GetProperty("succeeded").GetInt32()));

        // The hierarchy's 10,000,000 tokens become what max_tokens leaves (< 5000: DECIDE and the model verifier spent some),
        // and the commanders keep their proportions inside it: builders 90 %, checkers (weighted) the rest.
        static long Tokens(JsonElement c) => long.Parse(c.GetProperty("budget").GetString()!.Split("tokens ")[1].Split(',')[0], CultureInfo.InvariantCulture);
        long total = Tokens(commanders[0]) + Tokens(commanders[1]);
        Assert.InRange(total, 1, 5000);
        Assert.InRange(Tokens(commanders[0]), (long)(total * 0.89), (long)(total * 0.91));
        Assert.Contains("concurrency 1", commanders[0].GetProperty("budget").GetString(), StringComparison.Ordinal);
        Assert.Contains(record.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("CECCA 'ops' (hierarchy.toml)", StringComparison.Ordinal));
        Assert.Contains(await h.EventsAsync(TelemetryEventKind.Decision), e => e.AgentId == "ops" && e.Name == "cecca.split");
    }

    [Fact]
    public async Task HierarchyToml_Broken_TheStartFailsNamingTheFileAndLine()
    {
        await using var h = new EngineHarness("max_iterations = 1", hierarchy: "name = \"ops\"\n[[commanders]]\nname = \"a\"\nagents = [\"ghost\"]\n");
        await using var engine = new AutonomousEngine(h.Config, h.Options());
        var ex = await Assert.ThrowsAnyAsync<TaskExecKitException>(() => engine.StartHootlLoopAsync());
        Assert.Contains("hierarchy.toml", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ghost", ex.Message, StringComparison.Ordinal);

        // The runtime directory is released: nothing holds the lock.
        Assert.False(h.Control.IsEngineRunning);
    }

    [Fact]
    public async Task HostAllocation_AboveTheLimits_IsCappedBeforeItBecomesTheCeccaBudget()
    {
        await using var h = new EngineHarness("max_iterations = 1\nmax_tokens = 777\nmax_wall_time = \"10m\"");
        var plan = Plan.Builder().Task("a", t => t.Agent("noop")).Task("b", t => t.Agent("noop")).Build();
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o =>
        {
            o.GoalPlan = plan;
            o.Checkpoints = false;
            o.ConfigurePhases = p => p.Amplify = new GreedyAmplify();
        }));
        await engine.RunHootlLoopAsync();

        using var record = JsonDocument.Parse(Assert.Single(await h.DecisionsAsync()).Detail!);
        string note = record.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).Single(n => n.StartsWith("run: CECCA", StringComparison.Ordinal));
        long tokens = long.Parse(note.Split("budget tokens ")[1].Split(',')[0], CultureInfo.InvariantCulture);
        Assert.InRange(tokens, 1, 777 - engine.Ledger!.Tokens + 1000);
        Assert.True(tokens <= 777, $"tokens {tokens}");
        Assert.Contains("concurrency 3", note, StringComparison.Ordinal);
        double seconds = double.Parse(note.Split("wall time ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 1, 600);
    }

    [Fact]
    public async Task TaskTokens_CountTowardMaxTokens_AndTheCeccaStopsAtTheRemainder()
    {
        // DECIDE spends 10 tokens; each task reports 50. 120 tokens: 110 left for RUN, so the third task is the last to start.
        await using var h = new EngineHarness("max_iterations = 5\nmax_tokens = 120\nmax_error_rate = 1.0\nmax_consecutive_failures = 100");
        var spender = new SpendingAgent(50);
        var agents = AgentRegistry.CreateDefault().Add("spender", () => spender);
        string tasks = string.Join('\n', Enumerable.Range(1, 5).Select(i => $"task: t{i}; agent=spender"));
        var model = new ScriptedModel([$"action: run\nreason: spend\n{tasks}"]) { TokensPerCall = 10 };
        await using var engine = new AutonomousEngine(h.Config, h.Options(model, o =>
        {
            o.Agents = agents;
            o.Checkpoints = false;
            o.VerificationQuorum = 0;
            o.ConfigurePhases = p => { p.Verifiers.Clear(); p.Amplify = new OneWorker(); };
        }));
        var final = await engine.RunHootlLoopAsync();
        Assert.Equal(3, spender.Calls);
        Assert.Equal(160, engine.Ledger!.Tokens);
        Assert.Contains("max_tokens", final.StopReason, StringComparison.Ordinal);
        Assert.Equal(1, final.Iteration);
        using var record = JsonDocument.Parse(Assert.Single(await h.DecisionsAsync()).Detail!);
        Assert.Contains(record.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("the CECCA stopped", StringComparison.Ordinal));
    }

    public sealed record TokenScenario(int MaxTokens, int DecideTokens, int TaskTokens, int TasksPerPlan, int MaxIterations);

    private static readonly Gen<TokenScenario> TokenScenarios =
        from maxTokens in Gen.Choose(1, 400)
        from decide in Gen.Choose(1, 40)
        from task in Gen.Choose(1, 60)
        from tasks in Gen.Choose(1, 5)
        from iterations in Gen.Choose(1, 6)
        select new TokenScenario(maxTokens, decide, task, tasks, iterations);

    /// <summary>
    /// Through the real CECCA and executor (one worker): tokens never pass max_tokens by more than one model call, and
    /// no task starts once the tokens are spent.
    /// </summary>
    [Property(MaxTest = 25)]
    public Property MaxTokens_ThroughTheCecca_OvershootIsAtMostOneCall()
        => Prop.ForAll(TokenScenarios.ToArbitrary(), s =>
        {
            var (tokens, calls, modelCalls, final) = RunTokensAsync(s).GetAwaiter().GetResult();

            // Nothing starts once used >= limit, so the last call (DECIDE's or a task's) began under it.
            bool bound = tokens < s.MaxTokens + Math.Max(s.DecideTokens, s.TaskTokens);
            bool everyTokenCounted = tokens == ((long)calls * s.TaskTokens) + ((long)modelCalls * s.DecideTokens);
            bool iterations = final.Iteration <= s.MaxIterations;
            return (bound && everyTokenCounted && iterations).Label($"tokens {tokens}/{s.MaxTokens} task calls {calls} model calls {modelCalls} iterations {final.Iteration} stop '{final.StopReason}'");
        });

    private static async Task<(long Tokens, int Calls, int ModelCalls, AutonomousStatus Final)> RunTokensAsync(TokenScenario s)
    {
        string limits = string.Create(CultureInfo.InvariantCulture, $"max_iterations = {s.MaxIterations}\nmax_tokens = {s.MaxTokens}\nmax_error_rate = 1.0\nmax_consecutive_failures = 1000");
        await using var h = new EngineHarness(limits);
        var spender = new SpendingAgent(s.TaskTokens);
        string tasks = string.Join('\n', Enumerable.Range(1, s.TasksPerPlan).Select(i => $"task: t{i}; agent=spender"));
        var model = new ScriptedModel([$"action: run\nreason: spend\n{tasks}"]) { TokensPerCall = s.DecideTokens };
        await using var engine = new AutonomousEngine(h.Config, h.Options(model, o =>
        {
            o.Agents = AgentRegistry.CreateDefault().Add("spender", () => spender);
            o.Checkpoints = false;
            o.VerificationQuorum = 0;
            o.ConfigurePhases = p => { p.Verifiers.Clear(); p.Amplify = new OneWorker(); };
        }));
        var final = await engine.RunHootlLoopAsync();
        return (engine.Ledger!.Tokens, spender.Calls, model.Prompts.Count, final);
    }

    /// <summary>One worker (so which task is the last to start is deterministic), with what the limits leave.</summary>
    private sealed class OneWorker : IAmplifyPhase
    {
        public ValueTask<ResourceAllocation> AmplifyAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
            => ValueTask.FromResult(new ResourceAllocation(1, iteration.RemainingTokens, TimeSpan.FromMinutes(10)));
    }

    private sealed class GreedyAmplify : IAmplifyPhase
    {
        public ValueTask<ResourceAllocation> AmplifyAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
            => ValueTask.FromResult(new ResourceAllocation(3, long.MaxValue, TimeSpan.FromDays(20)));
    }

    /// <summary>An agent whose every task spends a fixed number of model tokens (reported as a model call would).</summary>
    private sealed class SpendingAgent(long tokens) : ITaskAgent
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            context.ReportUsage(tokens);
            return ValueTask.FromResult(AgentResult.Success());
        }
    }
}
