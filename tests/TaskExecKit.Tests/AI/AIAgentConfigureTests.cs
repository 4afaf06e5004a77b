using Microsoft.Extensions.AI;
using TaskExecKit.Agents;
using TaskExecKit.AI;
using TaskExecKit.Configuration;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.AI;

public sealed class AIAgentConfigureTests
{
    private static AISettings LoadAI(TempDirectory dir, string aiToml)
    {
        dir.File("config/ai.toml", aiToml);
        return EngineConfig.Load(dir.Combine("config"), new EngineConfigLoadOptions { EnvironmentVariables = new Dictionary<string, string>() }).AI;
    }

    [Fact]
    public async Task Configure_OfflineAiToml_AppliesModelIterationsAndTimeout()
    {
        using var dir = new TempDirectory();
        AISettings settings = LoadAI(dir, "provider = \"offline\"\nmodel = \"offline-test\"\nmax_iterations = 3\ntimeout = \"30s\"\n");

        AIAgent agent = AIAgent.Builder().Configure(settings).Build();
        AgentResponse response = await agent.RunAsync("hello");

        Assert.Equal("offline", agent.ProviderName);
        Assert.Equal("offline-test", agent.Model);
        Assert.Equal(3, agent.MaxIterations);
        Assert.Equal(TimeSpan.FromSeconds(30), agent.RequestTimeout);
        Assert.Equal("offline-test", response.Model);
    }

    [Fact]
    public void Configure_ProviderWithoutItsKey_BuildNamesTheVariable()
    {
        using var dir = new TempDirectory();
        AISettings settings = LoadAI(dir, "provider = \"anthropic\"\nmodel = \"claude\"\n");

        var ex = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().EnvironmentVariables(_ => null).Configure(settings).Build());

        Assert.Contains("ANTHROPIC_API_KEY", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_UnknownProvider_ThrowsNamingIt()
    {
        using var dir = new TempDirectory();
        AISettings settings = LoadAI(dir, "provider = \"mystery\"\n");

        var ex = Assert.Throws<ArgumentException>(() => AIAgent.Builder().Configure(settings));

        Assert.Contains("'mystery'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_ThenOptionsInCode_CodeWins()
    {
        using var dir = new TempDirectory();
        AISettings settings = LoadAI(dir, "provider = \"offline\"\nmax_iterations = 3\n");

        AIAgent agent = AIAgent.Builder().Configure(settings).MaxIterations(5).Build();

        Assert.Equal(5, agent.MaxIterations);
    }

    [Fact]
    public async Task RunAsync_ModelRequestOverRequestTimeout_ThrowsTimeout()
    {
        using var client = new HangingChatClient();
        AIAgent agent = AIAgent.Builder().ChatClient(client).RequestTimeout(TimeSpan.FromMilliseconds(50)).Build();

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => agent.RunAsync("hello"));

        Assert.Contains("RequestTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AITaskWhoseModelRequestTimesOut_FailsAsTransient()
    {
        using var temp = new TempDirectory();
        using var client = new HangingChatClient();
        var plan = Plan.Builder().Task("ask", t => t.Agent("ai").Description("hello")).Build();
        await using var executor = TaskExecutor.Builder()
            .Agents(new AgentRegistry().AddAI(ai => ai.ChatClient(client).RequestTimeout(TimeSpan.FromMilliseconds(50))))
            .WorkingDirectory(temp.Path)
            .Build();

        RunResult result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.True(result.TryGetTask("ask", out var task));
        Assert.Equal(TaskRunStatus.Failed, task.Status);
        Assert.Contains("RequestTimeout", task.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestTimeout_NotPositive_BuildNamesIt()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => AIAgent.Builder().Provider(AIProvider.Offline).RequestTimeout(TimeSpan.Zero).Build());

        Assert.Contains("RequestTimeout", ex.Message, StringComparison.Ordinal);
    }

    private sealed class HangingChatClient : IChatClient
    {
        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
