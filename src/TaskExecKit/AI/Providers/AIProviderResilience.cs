namespace TaskExecKit.AI;

/// <summary>
/// How each provider of a fallback chain is retried, timed out and taken out of the chain for a while
/// (Polly retry, timeout and circuit breaker, one set per provider). The defaults suit cloud providers;
/// set them with <see cref="AIAgentBuilder.ProviderResilience(AIProviderResilience)"/>.
/// </summary>
public sealed record AIProviderResilience
{
    /// <summary>Gets the defaults: 1 retry, 60 s per attempt, Retry-After honoured up to 5 s, 30 s break.</summary>
    public static AIProviderResilience Default { get; } = new();

    /// <summary>
    /// Gets how many times a transient failure (429, 5xx, unreachable) is retried on the same provider before the next
    /// provider is asked; 0 switches at once. Timeouts are not retried: the next provider is asked.
    /// </summary>
    public int MaxRetries { get; init; } = 1;

    /// <summary>Gets how long one attempt may take before it counts as a transient failure.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets the longest <c>Retry-After</c> waited for on the same provider. A longer one sends the request to the
    /// next provider at once, and the rate-limited provider is skipped until its <c>Retry-After</c> has passed.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets the first retry delay when the provider gave no <c>Retry-After</c> (doubled each retry, with jitter).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Gets how long a provider is skipped after its circuit breaks (at least half of 4 or more attempts failed
    /// transiently within 30 s).
    /// </summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    internal string? Problem()
    {
        if (MaxRetries is < 0 or > 10)
        {
            return $"ProviderResilience MaxRetries is {MaxRetries}; it must be between 0 and 10.";
        }

        if (AttemptTimeout <= TimeSpan.Zero)
        {
            return $"ProviderResilience AttemptTimeout is {AttemptTimeout}; it must be positive.";
        }

        if (MaxRetryAfter < TimeSpan.Zero || RetryDelay < TimeSpan.Zero)
        {
            return "ProviderResilience MaxRetryAfter and RetryDelay must not be negative.";
        }

        return BreakDuration < TimeSpan.FromMilliseconds(500) ? $"ProviderResilience BreakDuration is {BreakDuration}; it must be at least 0.5 s (Polly's minimum)." : null;
    }
}

/// <summary>Ready-made fallback chains for <see cref="AIAgentBuilder.Chain(AIProviderChain)"/>.</summary>
public enum AIProviderChain
{
    /// <summary>Anthropic, then OpenAI, then a local Ollama server, then the offline provider (the design's default chain).</summary>
    CloudFirst,

    /// <summary>A local Ollama server first, then Anthropic, then OpenAI, then the offline provider (local-first).</summary>
    LocalFirst,
}

/// <summary>A provider of the chain that could not be set up (no key, no package) and was left out.</summary>
/// <param name="Provider">The provider.</param>
/// <param name="Reason">Why, naming what to add, e.g. <c>the Anthropic provider needs an API key: set ANTHROPIC_API_KEY or call ApiKey(...)</c>.</param>
public sealed record SkippedProvider(AIProvider Provider, string Reason);
