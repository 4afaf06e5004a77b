using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Effects;
using AfAgent = Microsoft.Agents.AI.ChatClientAgent;

namespace TaskExecKit.Benchmarks.AI;

/// <summary>
/// What an agent adds over one raw <see cref="IChatClient"/> call. The model is an in-memory client
/// that answers at once with a prebuilt response, so every figure is framework overhead: ours
/// (<see cref="AIAgent.RunAsync(string, CancellationToken)"/>: the per-run pipeline with function
/// invocation, bounds and the effect gate) next to Microsoft Agent Framework's
/// <c>ChatClientAgent.RunAsync</c> over the same client, measured in the same run.
/// </summary>
[MemoryDiagnoser]
public class AgentBenchmarks
{
    private readonly InstantChatClient _client = new();
    private readonly List<ChatMessage> _messages = [new(ChatRole.User, "hi")];
    private TaskExecKit.AIAgent _agent = null!;
    private AfAgent _agentFramework = null!;

    [GlobalSetup]
    public void Setup()
    {
        _agent = TaskExecKit.AIAgent.Builder().ChatClient(_client).Build();
        _agentFramework = new AfAgent(_client);
    }

    [Benchmark(Baseline = true, Description = "raw IChatClient.GetResponseAsync")]
    public Task<ChatResponse> Raw() => _client.GetResponseAsync(_messages);

    [Benchmark(Description = "TaskExecKit AIAgent.RunAsync")]
    public Task<AgentResponse> TaskExecKitAgent() => _agent.RunAsync("hi");

    [Benchmark(Description = "Agent Framework ChatClientAgent.RunAsync")]
    public async Task<object> AgentFramework() => await _agentFramework.RunAsync("hi").ConfigureAwait(false);
}

/// <summary>
/// One tool round trip (model asks for a tool, the tool runs, the model answers): M.E.AI's function
/// invocation alone, next to our agent, which adds the schema check of the arguments, the effect
/// gate (<c>tool:echo</c>), the result cap and the tool-call record.
/// </summary>
[MemoryDiagnoser]
public class ToolLoopBenchmarks
{
    private readonly ToolThenTextChatClient _client = new();
    private readonly AIFunction _echo = AIFunctionFactory.Create((string text) => text, "echo");
    private IChatClient _raw = null!;
    private TaskExecKit.AIAgent _agent = null!;
    private ChatOptions _options = null!;

    [GlobalSetup]
    public void Setup()
    {
        _raw = new ChatClientBuilder(_client).UseFunctionInvocation().Build();
        _options = new ChatOptions { Tools = [_echo] };
        _agent = TaskExecKit.AIAgent.Builder().ChatClient(_client).Tools(_echo).Grant(Capability.Tool("echo")).Build();
    }

    [Benchmark(Baseline = true, Description = "M.E.AI function invocation, one tool call")]
    public Task<ChatResponse> Raw() => _raw.GetResponseAsync([new ChatMessage(ChatRole.User, "echo")], _options);

    [Benchmark(Description = "TaskExecKit AIAgent, one gated tool call")]
    public Task<AgentResponse> Agent() => _agent.RunAsync("echo");
}

/// <summary>Answers every call at once with the same text response.</summary>
internal sealed class InstantChatClient : IChatClient
{
    private readonly ChatResponse _response = new(new ChatMessage(ChatRole.Assistant, "hello"))
    {
        ModelId = "instant",
        Usage = new UsageDetails { InputTokenCount = 1, OutputTokenCount = 1 },
    };

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(_response);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => _response.ToChatResponseUpdates().ToAsyncEnumerable();

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}

/// <summary>Asks for the tool <c>echo</c> unless the conversation already has its result, then answers with text.</summary>
internal sealed class ToolThenTextChatClient : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        bool answered = messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any());
        var message = answered
            ? new ChatMessage(ChatRole.Assistant, "done")
            : new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "echo", new Dictionary<string, object?> { ["text"] = "x" })]);
        return Task.FromResult(new ChatResponse(message) { Usage = new UsageDetails { InputTokenCount = 1, OutputTokenCount = 1 } });
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
