using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace TaskExecKit.AI;

/// <summary>One provider of a chain: its client, the model asked of it, and its own retry, timeout and circuit breaker.</summary>
internal sealed class ProviderChainEntry
{
    private long _coolUntil;

    internal ProviderChainEntry(string name, string? model, IChatClient client, AIProviderResilience resilience, TimeProvider timeProvider)
    {
        Name = name;
        Model = model;
        Client = client;
        TimeProvider = timeProvider;
        Pipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, resilience.MaxRetries),
                ShouldHandle = args => ValueTask.FromResult(resilience.MaxRetries > 0 && args.Outcome.Exception is { } ex && Retryable(ex, resilience.MaxRetryAfter)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = resilience.RetryDelay,
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is AIProviderException { RetryAfter: { } after } ? after : (TimeSpan?)null),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 4,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = resilience.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex and not OperationCanceledException && ProviderChainChatClient.Classify(ex, name, cancellationToken: default).IsTransient),
            })
            .AddTimeout(resilience.AttemptTimeout)
            .Build();
    }

    internal string Name { get; }

    internal string? Model { get; }

    internal IChatClient Client { get; }

    internal ResiliencePipeline Pipeline { get; }

    private TimeProvider TimeProvider { get; }

    /// <summary>Gets a value indicating whether the provider asked (Retry-After) not to be called until later.</summary>
    internal bool CoolingDown(out TimeSpan left)
    {
        long until = Interlocked.Read(ref _coolUntil);
        long now = TimeProvider.GetTimestamp();
        left = until > now ? TimeSpan.FromSeconds((until - now) / (double)TimeProvider.TimestampFrequency) : TimeSpan.Zero;
        return left > TimeSpan.Zero;
    }

    internal void CoolFor(TimeSpan span) =>
        Interlocked.Exchange(ref _coolUntil, TimeProvider.GetTimestamp() + (long)(span.TotalSeconds * TimeProvider.TimestampFrequency));

    internal ChatOptions? OptionsFor(ChatOptions? options)
    {
        if (Model is null)
        {
            return options;
        }

        var copy = options?.Clone() ?? new ChatOptions();
        copy.ModelId = Model;
        return copy;
    }

    private static bool Retryable(Exception ex, TimeSpan maxRetryAfter) => ex switch
    {
        AIProviderException p => p.IsTransient && p.InnerException is not TimeoutException && (p.RetryAfter is null || p.RetryAfter <= maxRetryAfter),
        HttpRequestException h => h.StatusCode is null || (int)h.StatusCode.Value is 429 or >= 500,
        _ => false,
    };
}

/// <summary>
/// The fallback chain as one <see cref="IChatClient"/>: asks each provider in order, through its own Polly
/// pipeline; a transient failure (429, 5xx, timeout, unreachable) passes the request to the next provider,
/// anything else fails at once. The response says which provider answered.
/// </summary>
internal sealed class ProviderChainChatClient : IChatClient
{
    /// <summary>The key under <see cref="ChatResponse.AdditionalProperties"/> that names the provider that answered.</summary>
    internal const string ProviderKey = "taskexeckit.provider";

    private readonly IReadOnlyList<ProviderChainEntry> _entries;
    private readonly Action<string, string>? _onFallback;
    private readonly TimeSpan _attemptTimeout;

    internal ProviderChainChatClient(IReadOnlyList<ProviderChainEntry> entries, TimeSpan attemptTimeout, Action<string, string>? onFallback = null)
    {
        _entries = entries;
        _attemptTimeout = attemptTimeout;
        _onFallback = onFallback;
    }

    internal IReadOnlyList<ProviderChainEntry> Entries => _entries;

    /// <summary>Gets the name of the provider that answered a response, or null when no chain answered it.</summary>
    internal static string? AnsweredBy(ChatResponse response) =>
        response.AdditionalProperties?.TryGetValue(ProviderKey, out var value) == true ? value as string : null;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IList<ChatMessage> history = messages as IList<ChatMessage> ?? [.. messages];
        var failures = new List<AIProviderException>();
        foreach (var entry in _entries)
        {
            if (Unavailable(entry, failures))
            {
                continue;
            }

            try
            {
                var state = (entry, history, options: entry.OptionsFor(options));
                ChatResponse response = await entry.Pipeline.ExecuteAsync(
                    static async (s, ct) => await s.entry.Client.GetResponseAsync(s.history, s.options, ct).ConfigureAwait(false),
                    state, cancellationToken).ConfigureAwait(false);
                response.ModelId ??= entry.Model;
                (response.AdditionalProperties ??= [])[ProviderKey] = entry.Name;
                return response;
            }
            catch (Exception ex) when (ex is not AIProviderException { IsTransient: false } && !cancellationToken.IsCancellationRequested)
            {
                var failure = Classify(ex, entry.Name, cancellationToken, _attemptTimeout);
                if (!failure.IsTransient)
                {
                    throw failure;
                }

                Fail(entry, failure, failures);
            }
        }

        throw AllFailed(failures);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        IList<ChatMessage> history = messages as IList<ChatMessage> ?? [.. messages];
        var failures = new List<AIProviderException>();
        foreach (var entry in _entries)
        {
            if (Unavailable(entry, failures))
            {
                continue;
            }

            // The chain can switch provider only until the first update arrives; after that, errors reach the caller.
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(_attemptTimeout);
            IAsyncEnumerator<ChatResponseUpdate>? updates = null;
            bool first;
            try
            {
                updates = entry.Client.GetStreamingResponseAsync(history, entry.OptionsFor(options), attempt.Token).GetAsyncEnumerator(attempt.Token);
                first = await updates.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (updates is not null)
                {
                    await updates.DisposeAsync().ConfigureAwait(false);
                }

                var failure = Classify(attempt.IsCancellationRequested ? new TimeoutException("no first update in time", ex) : ex, entry.Name, cancellationToken, _attemptTimeout);
                if (!failure.IsTransient)
                {
                    throw failure;
                }

                Fail(entry, failure, failures);
                continue;
            }

            attempt.CancelAfter(Timeout.InfiniteTimeSpan);
            await using (updates.ConfigureAwait(false))
            {
                if (!first)
                {
                    yield break;
                }

                do
                {
                    var update = updates.Current;
                    update.ModelId ??= entry.Model;
                    (update.AdditionalProperties ??= [])[ProviderKey] = entry.Name;
                    yield return update;
                }
                while (await updates.MoveNextAsync().ConfigureAwait(false));
            }

            yield break;
        }

        throw AllFailed(failures);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : _entries[0].Client.GetService(serviceType, serviceKey);
    }

    public void Dispose()
    {
        foreach (var entry in _entries)
        {
            entry.Client.Dispose();
        }
    }

    /// <summary>Turns any failure into an <see cref="AIProviderException"/> that says whether it is transient.</summary>
    internal static AIProviderException Classify(Exception ex, string provider, CancellationToken cancellationToken, TimeSpan? attemptTimeout = null)
    {
        switch (ex)
        {
            case AIProviderException p:
                return p;
            case TimeoutRejectedException or TimeoutException:
                return new AIProviderException(provider, string.Create(CultureInfo.InvariantCulture,
                    $"The {provider} provider did not answer within {attemptTimeout?.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) ?? "the attempt timeout of "} s."), isTransient: true, innerException: ex as TimeoutException ?? new TimeoutException(ex.Message, ex));
            case BrokenCircuitException:
                return new AIProviderException(provider, $"The {provider} provider is left out for a while: too many of its recent requests failed (circuit open).", isTransient: true, innerException: ex);
            case HttpRequestException { StatusCode: { } status } h:
                int code = (int)status;
                bool transient = code is 408 or 429 or >= 500;
                return new AIProviderException(provider, $"The {provider} provider answered HTTP {code} ({status}): {h.Message}", transient, code, innerException: ex);
            case HttpRequestException or SocketException or IOException:
                return new AIProviderException(provider, $"The {provider} provider could not be reached: {ex.Message}", isTransient: true, innerException: ex);
            case OperationCanceledException when !cancellationToken.IsCancellationRequested:
                return new AIProviderException(provider, $"The {provider} provider's request was cancelled before it answered (a timeout in its client).", isTransient: true, innerException: ex);
            default:
                return new AIProviderException(provider, $"The {provider} provider failed: {ex.Message}", isTransient: false, innerException: ex);
        }
    }

    private bool Unavailable(ProviderChainEntry entry, List<AIProviderException> failures)
    {
        if (!entry.CoolingDown(out var left))
        {
            return false;
        }

        var skip = new AIProviderException(entry.Name, string.Create(CultureInfo.InvariantCulture,
            $"The {entry.Name} provider asked not to be called for another {left.TotalSeconds:0.#} s (Retry-After); skipped."), isTransient: true, 429, left);
        failures.Add(skip);
        _onFallback?.Invoke(entry.Name, skip.Message);
        return true;
    }

    private void Fail(ProviderChainEntry entry, AIProviderException failure, List<AIProviderException> failures)
    {
        if (failure.RetryAfter is { } after && after > TimeSpan.Zero)
        {
            entry.CoolFor(after);
        }

        failures.Add(failure);
        _onFallback?.Invoke(entry.Name, failure.Message);
    }

    private AIProviderException AllFailed(List<AIProviderException> failures)
    {
        if (failures.Count == 1 && _entries.Count == 1)
        {
            return failures[0];
        }

        string list = string.Join(" ", failures.Select(f => $"[{f.Provider}] {f.Message}"));
        return new AIProviderException("chain", $"No AI provider answered; each failed transiently: {list}", isTransient: true,
            failures.LastOrDefault()?.StatusCode, failures.Where(f => f.RetryAfter is not null).Select(f => f.RetryAfter).Min(),
            new AggregateException(failures));
    }
}
