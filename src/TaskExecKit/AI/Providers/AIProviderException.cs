namespace TaskExecKit.AI;

/// <summary>
/// A model provider failed to answer. <see cref="TaskExecKitException.IsTransient"/> says whether another
/// try (or the next provider of the fallback chain) can help: rate limits (HTTP 429), server errors (5xx),
/// timeouts and unreachable servers are transient; a refused request (400, 401, 403, 404) or an answer
/// that cannot be read is not, and fails the run loudly.
/// </summary>
public sealed class AIProviderException : TaskExecKitException
{
    private readonly bool _isTransient;

    /// <summary>Creates the exception.</summary>
    /// <param name="provider">The provider's name, e.g. <c>anthropic</c>.</param>
    /// <param name="message">What went wrong, in one paragraph a person can act on.</param>
    /// <param name="isTransient">Whether trying again or another provider can help.</param>
    /// <param name="statusCode">The HTTP status the provider answered with, if any.</param>
    /// <param name="retryAfter">How long the provider asked to wait (<c>Retry-After</c>), if it said.</param>
    /// <param name="innerException">The underlying cause.</param>
    public AIProviderException(string provider, string message, bool isTransient, int? statusCode = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        Provider = provider;
        _isTransient = isTransient;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>Gets the provider that failed, e.g. <c>anthropic</c>; <c>chain</c> when every provider of a fallback chain failed.</summary>
    public string Provider { get; }

    /// <summary>Gets the HTTP status the provider answered with, or null when there was no answer.</summary>
    public int? StatusCode { get; }

    /// <summary>Gets how long the provider asked to wait before trying again, or null.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <inheritdoc/>
    public override bool IsTransient => _isTransient;
}
