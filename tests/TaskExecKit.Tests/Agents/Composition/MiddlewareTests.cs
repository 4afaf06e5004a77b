using Microsoft.Extensions.Logging;
using TaskExecKit.Agents;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Agents.Composition;

public sealed class MiddlewareTests
{
    [Fact]
    public async Task Use_FirstAddedIsOutermost()
    {
        var order = new List<string>();
        var agent = new TaskAgentBuilder(new DelegateAgent((_, _) => { order.Add("agent"); return ValueTask.FromResult(AgentResult.Success()); }))
            .Use(inner => new Tagging(inner, "outer", order))
            .Use(inner => new Tagging(inner, "inner", order))
            .Build();

        await AgentTestKit.RunAsync(Plan.Builder().Task("T-1", t => t.Agent("x")).Build(), new AgentRegistry().Add("x", () => agent));

        Assert.Equal(["outer", "inner", "agent"], order);
    }

    [Fact]
    public async Task UseRetry_TransientFailures_AreRetriedInsideOneAttempt()
    {
        int calls = 0;
        var flaky = new DelegateAgent((_, _) => ValueTask.FromResult(++calls < 3 ? AgentResult.Failure("busy", isTransient: true) : AgentResult.Success()));
        var agent = new TaskAgentBuilder(flaky).UseRetry(3).Build();

        var result = await AgentTestKit.RunAsync(Plan.Builder().Task("T-1", t => t.Agent("x")).Build(), new AgentRegistry().Add("x", () => agent));

        var task = AgentTestKit.Task(result, "T-1");
        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
        Assert.Equal((3, 1), (calls, task.Attempts));
    }

    [Fact]
    public async Task UseRetry_PermanentFailure_IsNotRetried()
    {
        var failing = new CountingAgent(succeed: false);
        var agent = new TaskAgentBuilder(failing).UseRetry(3).Build();

        await AgentTestKit.RunAsync(Plan.Builder().Task("T-1", t => t.Agent("x")).Build(), new AgentRegistry().Add("x", () => agent));

        Assert.Equal(1, failing.Runs);
    }

    [Fact]
    public async Task UseBudget_TaskBudgetSpent_LaterTasksFailWithTheReason()
    {
        var ledger = new BudgetLedger("stack", new Budget(MaxTasks: 2));
        var inner = new CountingAgent();
        var agent = new TaskAgentBuilder(inner).UseBudget(ledger).Build();
        var plan = Plan.Builder().Task("T-1", t => t.Agent("x")).Task("T-2", t => t.Agent("x").Needs("T-1")).Task("T-3", t => t.Agent("x").Needs("T-2")).Build();

        var result = await AgentTestKit.RunAsync(plan, new AgentRegistry().Add("x", () => agent));

        Assert.Equal(2, inner.Runs);
        Assert.Contains("task budget of 'stack' is spent", AgentTestKit.Task(result, "T-3").Reason, StringComparison.Ordinal);
        Assert.NotNull(ledger.ExhaustedReason);
    }

    [Fact]
    public async Task UseBudget_ReportedTokens_AreChargedAndStopFurtherWork()
    {
        var ledger = new BudgetLedger("stack", new Budget(MaxTokens: 100));
        var inner = new CountingAgent(tokensPerRun: 60);
        var agent = new TaskAgentBuilder(inner).UseBudget(ledger).Build();
        var plan = Plan.Builder().Task("T-1", t => t.Agent("x")).Task("T-2", t => t.Agent("x").Needs("T-1")).Task("T-3", t => t.Agent("x").Needs("T-2")).Build();

        var result = await AgentTestKit.RunAsync(plan, new AgentRegistry().Add("x", () => agent));

        Assert.Equal(2, inner.Runs);
        Assert.Equal(120, ledger.Usage.Tokens);
        Assert.Contains("token budget of 'stack' is spent", AgentTestKit.Task(result, "T-3").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseBudget_AIAgent_StopsBeforeTheModelCallThatWouldOverspend()
    {
        var ledger = new BudgetLedger("ai-stack", new Budget(MaxTokens: 1));
        var registry = new AgentRegistry().AddAI().Use(inner => new TaskAgentBuilder(inner).UseBudget(ledger).Build());
        var plan = Plan.Builder().Task("T-1", t => t.Agent("ai").Description("say hello")).Task("T-2", t => t.Agent("ai").Description("say hello").Needs("T-1")).Build();

        var result = await AgentTestKit.RunAsync(plan, registry);

        // The first task spends more than the budget in its one model call (overshoot: one call); the second never calls the model.
        Assert.True(ledger.Usage.Tokens > 1);
        long afterFirst = ledger.Usage.Tokens;
        Assert.Equal(TaskRunStatus.Failed, AgentTestKit.Task(result, "T-2").Status);
        Assert.Contains("budget", AgentTestKit.Task(result, "T-2").Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(afterFirst, ledger.Usage.Tokens);
    }

    [Fact]
    public async Task UseLogging_LogsOutcomeWithoutThePrompt()
    {
        var provider = new ListLoggerProvider();
        using var factory = provider;
        var agent = new TaskAgentBuilder(new CountingAgent(succeed: false)).UseLogging(factory, "worker").Build();

        await AgentTestKit.RunAsync(Plan.Builder().Task("T-1", t => t.Agent("x").Description("secret prompt text")).Build(), new AgentRegistry().Add("x", () => agent));

        Assert.Contains(provider.Lines, l => l.Contains("T-1", StringComparison.Ordinal) && l.Contains("worker failed", StringComparison.Ordinal));
        Assert.DoesNotContain(provider.Lines, l => l.Contains("secret prompt text", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UseTelemetry_RecordsTheAgentsOwnTaskEvents()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = dir.Combine("runtime"), DiscoverStore = false, WriteJsonLogs = false });
        var agent = new TaskAgentBuilder(new CountingAgent()).UseTelemetry(telemetry, "inner-worker").Build();

        await AgentTestKit.RunAsync(Plan.Builder().Task("T-1", t => t.Agent("x")).Build(), new AgentRegistry().Add("x", () => agent));
        await telemetry.FlushAsync();

        var events = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, "inner-worker"));
        Assert.Contains(events, e => e.Kind == TelemetryEventKind.TaskFinished && e.TaskId == "T-1");
    }

    [Fact]
    public async Task RegistryUse_WrapsEveryAgentItMakes()
    {
        int wrapped = 0;
        var registry = new AgentRegistry().Add("x", () => new CountingAgent()).Use(inner => { wrapped++; return inner; });

        await AgentTestKit.RunAsync(Plan.Builder().Task("T-1", t => t.Agent("x")).Build(), registry);

        Assert.Equal(1, wrapped);
    }

    private sealed class Tagging(ITaskAgent inner, string tag, List<string> order) : DelegatingTaskAgent(inner)
    {
        public override ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
        {
            order.Add(tag);
            return base.RunAsync(context, cancellationToken);
        }
    }

    private sealed class ListLoggerProvider : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new ListLogger(Lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => lines.Enqueue(formatter(state, exception));
        }
    }
}
