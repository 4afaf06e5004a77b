using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using TaskExecKit.AI;

namespace TaskExecKit.Benchmarks.AI;

/// <summary>
/// What the provider chain costs: a call straight to a client, the same call through a one-provider chain
/// (Polly retry, circuit breaker and timeout around it), and a switch from a provider that fails with a
/// transient error (an HTTP 503 as the provider packages report it) to the next one. In-memory clients: no
/// network, so the figures are the chain's own overhead, not a provider's latency.
/// </summary>
[MemoryDiagnoser]
public class ProviderFallbackBenchmarks
{
    private static readonly AIProviderResilience NoRetries = AIProviderResilience.Default with { MaxRetries = 0 };
    private readonly List<ChatMessage> _messages = [new(ChatRole.User, "hello")];
    private readonly AnsweringClient _good = new();
    private readonly FailingClient _failing = new();
    private ProviderChainChatClient _single = null!;
    private ProviderChainChatClient _openCircuit = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _single = Chain(_good);
        _openCircuit = Chain(_failing, _good);

        // Enough failures to open the failing provider's circuit (4 calls, over half failed): from then on it is skipped.
        for (int i = 0; i < 8; i++)
        {
            await _openCircuit.GetResponseAsync(_messages);
        }
    }

    [Benchmark(Baseline = true, Description = "client alone")]
    public Task<ChatResponse> ClientAlone() => _good.GetResponseAsync(_messages);

    [Benchmark(Description = "chain, first provider answers")]
    public Task<ChatResponse> ChainFirstAnswers() => _single.GetResponseAsync(_messages);

    [Benchmark(Description = "build a 2-provider chain")]
    public object BuildChain() => Chain(_failing, _good);

    [Benchmark(Description = "build + switch on a 503 (fresh chain)")]
    public Task<ChatResponse> BuildAndSwitch() => Chain(_failing, _good).GetResponseAsync(_messages);

    [Benchmark(Description = "switch, failing provider's circuit open")]
    public Task<ChatResponse> SwitchCircuitOpen() => _openCircuit.GetResponseAsync(_messages);

    private static ProviderChainChatClient Chain(params IChatClient[] clients) => new(
        [.. clients.Select((c, i) => new ProviderChainEntry("p" + i, "m", c, NoRetries, TimeProvider.System))], NoRetries.AttemptTimeout);

    private sealed class AnsweringClient : IChatClient
    {
        private static readonly ChatResponse Answer = new(new ChatMessage(ChatRole.Assistant, "hi")) { ModelId = "m" };

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(Answer.Messages) { ModelId = "m" });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class FailingClient : IChatClient
    {
        public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw new AIProviderException("p0", "The provider failed on its side (HTTP 503).", isTransient: true, 503);
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
