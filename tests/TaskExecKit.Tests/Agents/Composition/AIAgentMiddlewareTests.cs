using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using TaskExecKit.Agents;
using TaskExecKit.AI;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;
using TaskExecKit.Tests.AI;

namespace TaskExecKit.Tests.Agents.Composition;

public sealed class AIAgentMiddlewareTests
{
    [Fact]
    public async Task Use_DelegatingAIAgents_WrapEveryRunFirstAddedOutermost()
    {
        var order = new ConcurrentQueue<string>();
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("done"));
        var agent = AIAgent.Builder().ChatClient(client)
            .Use(inner => new Tagging(inner, "outer", order))
            .Use(inner => new Tagging(inner, "inner", order))
            .Build();

        var response = await agent.RunAsync("hello");

        Assert.True(response.IsCompleted);
        Assert.Equal(["outer>", "inner>", "<inner", "<outer"], order);
    }

    [Fact]
    public async Task Use_AgentAndChatClientMiddleware_AreDistinctOverloadsAndBothApply()
    {
        var order = new ConcurrentQueue<string>();
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("done"));
        var agent = AIAgent.Builder().ChatClient(client)
            .Use(inner => new CountingChatClient(inner, order))
            .Use(inner => new Tagging(inner, "agent", order))
            .Build();

        await agent.RunAsync("hello");

        Assert.Equal(["agent>", "model call", "<agent"], order);
    }

    [Fact]
    public async Task WithPrompt_ChangesWhatTheModelIsAsked()
    {
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("done"));
        var agent = AIAgent.Builder().ChatClient(client).Use(inner => new Prefix(inner, "Be brief. ")).Build();

        await agent.RunAsync("what is 2+2?");

        Assert.Equal("Be brief. what is 2+2?", client.Requests.Single()[^1].Text);
    }

    [Fact]
    public async Task UseBudget_SpentTokens_StopTheNextRunBeforeTheModelIsCalled()
    {
        var ledger = new BudgetLedger("ai", new Budget(MaxTokens: 20));
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("done")) { UsagePerCall = (10, 5) };
        var agent = AIAgent.Builder().ChatClient(client).UseBudget(ledger).Build();

        var first = await agent.RunAsync("one");
        var second = await agent.RunAsync("two");
        var third = await agent.RunAsync("three");

        Assert.True(first.IsCompleted);
        Assert.True(second.IsCompleted);
        Assert.Equal(AgentStopReason.TokenBudget, third.StopReason);
        Assert.Contains("token budget of 'ai' is spent", third.StopDetail, StringComparison.Ordinal);
        Assert.Equal(0, third.ModelCalls);
        Assert.Equal(2, client.Requests.Count);
        Assert.Equal(30, ledger.Usage.Tokens);
        Assert.Equal(2, ledger.Usage.Tasks);
    }

    [Fact]
    public async Task UseBudget_TaskCountSpent_RefusesTheRunWithTheReason()
    {
        var ledger = new BudgetLedger("runs", new Budget(MaxTasks: 1));
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("done"));
        var agent = AIAgent.Builder().ChatClient(client).UseBudget(ledger).Build();

        await agent.RunAsync("one");
        var refused = await agent.RunAsync("two");

        Assert.Equal(AgentStopReason.TokenBudget, refused.StopReason);
        Assert.StartsWith("Budget exhausted:", refused.StopDetail, StringComparison.Ordinal);
        Assert.Single(client.Requests);
    }

    [Fact]
    public async Task UseBudget_StructuredRunRefused_IsNotValid()
    {
        var ledger = new BudgetLedger("runs", new Budget(MaxTasks: 0));
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("{\"value\": 1}"));
        var agent = AIAgent.Builder().ChatClient(client).UseBudget(ledger).Build();

        var answer = await agent.RunAsync<Answer>("give a number");

        Assert.False(answer.IsValid);
        Assert.Equal(AgentStopReason.TokenBudget, answer.Response.StopReason);
        Assert.Empty(client.Requests);
    }

    [Fact]
    public async Task StructuredRun_PassesThroughMiddlewareAndKeepsTheTypedAnswer()
    {
        var order = new ConcurrentQueue<string>();
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("{\"value\": 7}"));
        var agent = AIAgent.Builder().ChatClient(client).Use(inner => new Tagging(inner, "m", order)).Build();

        var answer = await agent.RunAsync<Answer>("give a number");

        Assert.True(answer.IsValid);
        Assert.Equal(7, answer.Value!.Value);
        Assert.Equal(["m>", "<m"], order);
    }

    [Fact]
    public async Task UseRetry_TransientProviderError_RunsTheRunAgain()
    {
        var client = new FlakyChatClient(failures: 1);
        var agent = AIAgent.Builder().ChatClient(client)
            .ProviderResilience(AIProviderResilience.Default with { MaxRetries = 0, RetryDelay = TimeSpan.Zero })
            .UseRetry(maxRetries: 2)
            .Build();

        var response = await agent.RunAsync("hello");

        Assert.True(response.IsCompleted);
        Assert.Equal("recovered", response.Text);
        Assert.True(client.Calls >= 2);
    }

    [Fact]
    public async Task UseRetry_PermanentError_IsNotRetried()
    {
        var client = new FlakyChatClient(failures: 5, transient: false);
        var agent = AIAgent.Builder().ChatClient(client)
            .ProviderResilience(AIProviderResilience.Default with { MaxRetries = 0, RetryDelay = TimeSpan.Zero })
            .UseRetry(maxRetries: 3)
            .Build();

        await Assert.ThrowsAnyAsync<Exception>(() => agent.RunAsync("hello"));
        Assert.Equal(1, client.Calls);
    }

    [Fact]
    public async Task UseLogging_LogsTheRunWithoutPromptOrAnswer()
    {
        var factory = new ListLoggerFactory();
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("secret answer"));
        var agent = AIAgent.Builder().Id("writer").ChatClient(client).UseLogging(factory).Build();

        await agent.RunAsync("secret prompt");

        Assert.Contains(factory.Lines, l => l.Contains("AI agent writer completed a run", StringComparison.Ordinal) && l.Contains("15 tokens", StringComparison.Ordinal));
        Assert.DoesNotContain(factory.Lines, l => l.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UseTelemetry_RecordsEachRunUnderTheAgentsId()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = dir.Combine("runtime"), DiscoverStore = false, WriteJsonLogs = false });
        var client = new ScriptedChatClient(_ => ScriptedChatClient.Text("done"));
        var agent = AIAgent.Builder().Id("reviewer").ChatClient(client).UseTelemetry(telemetry).Build();

        await agent.RunAsync("one");
        await agent.RunAsync("two");
        await telemetry.FlushAsync();

        var events = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, "reviewer"));
        var finished = events.Where(e => e.Kind == TelemetryEventKind.TaskFinished).ToList();
        Assert.Equal(2, finished.Count);
        Assert.All(finished, e => Assert.Equal(TaskOutcome.Succeeded, e.Outcome));
        Assert.Equal(["reviewer/run-1", "reviewer/run-2"], finished.Select(e => e.TaskId!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task PlanAITask_RunsThroughTheAgentMiddlewareWithItsTaskContext()
    {
        var seen = new ConcurrentQueue<string>();
        var registry = AgentRegistry.CreateDefault().AddAI(b => b.Use(inner => new TaskRecorder(inner, seen)));
        var plan = Plan.Builder().Task("T-1", t => t.Agent("ai").Description("say hello")).Build();

        var result = await AgentTestKit.RunAsync(plan, registry);

        Assert.Equal(TaskRunStatus.Succeeded, AgentTestKit.Task(result, "T-1").Status);
        Assert.Equal(["T-1"], seen);
    }

    [Fact]
    public async Task PlanAITask_BudgetMiddlewareOnTheAIAgent_FailsTheTaskWithTheReason()
    {
        var ledger = new BudgetLedger("ai-runs", new Budget(MaxTasks: 1));
        var registry = AgentRegistry.CreateDefault().AddAI(b => b.UseBudget(ledger));
        var plan = Plan.Builder()
            .Task("T-1", t => t.Agent("ai").Description("say hello"))
            .Task("T-2", t => t.Agent("ai").Description("say hello").Needs("T-1"))
            .Build();

        var result = await AgentTestKit.RunAsync(plan, registry);

        Assert.Equal(TaskRunStatus.Succeeded, AgentTestKit.Task(result, "T-1").Status);
        var second = AgentTestKit.Task(result, "T-2");
        Assert.Equal(TaskRunStatus.Failed, second.Status);
        Assert.Contains("task budget of 'ai-runs' is spent", second.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Use_MiddlewareReturningNull_FailsTheRunWithAMessage()
    {
        var agent = AIAgent.Builder().ChatClient(new ScriptedChatClient(_ => ScriptedChatClient.Text("x"))).Use((DelegatingAIAgent _) => null!).Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => agent.RunAsync("hello"));

        Assert.Contains("returned null", ex.Message, StringComparison.Ordinal);
    }

    public sealed record Answer(int Value);

    private sealed class Tagging(DelegatingAIAgent inner, string tag, ConcurrentQueue<string> order) : DelegatingAIAgent(inner)
    {
        public override async Task<AgentResponse> RunAsync(AIAgentRequest request, CancellationToken cancellationToken)
        {
            order.Enqueue(tag + ">");
            var response = await base.RunAsync(request, cancellationToken);
            order.Enqueue("<" + tag);
            return response;
        }
    }

    private sealed class Prefix(DelegatingAIAgent inner, string prefix) : DelegatingAIAgent(inner)
    {
        public override Task<AgentResponse> RunAsync(AIAgentRequest request, CancellationToken cancellationToken)
            => base.RunAsync(request.WithPrompt(prefix + request.Prompt), cancellationToken);
    }

    private sealed class TaskRecorder(DelegatingAIAgent inner, ConcurrentQueue<string> seen) : DelegatingAIAgent(inner)
    {
        public override Task<AgentResponse> RunAsync(AIAgentRequest request, CancellationToken cancellationToken)
        {
            seen.Enqueue(request.TaskContext?.Task.Id ?? "(none)");
            return base.RunAsync(request, cancellationToken);
        }
    }

    private sealed class CountingChatClient(IChatClient inner, ConcurrentQueue<string> order) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            order.Enqueue("model call");
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }

    private sealed class FlakyChatClient(int failures, bool transient = true) : IChatClient
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) <= failures)
            {
                throw new AIProviderException("flaky", transient ? "overloaded, try again" : "the request was refused", transient, transient ? 503 : 400);
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "recovered")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class ListLoggerFactory : ILoggerFactory
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => new ListLogger(Lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                => lines.Enqueue(formatter(state, exception));
        }
    }
}
