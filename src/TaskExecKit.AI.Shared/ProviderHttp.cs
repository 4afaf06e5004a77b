using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace TaskExecKit.AI;

/// <summary>What the provider's server answered to the current request: its status and Retry-After.</summary>
internal sealed class HttpOutcome
{
    internal int? Status { get; set; }

    internal TimeSpan? RetryAfter { get; set; }
}

/// <summary>
/// The HTTP side of a provider package: an <see cref="HttpClient"/> that notes each answer's status and
/// Retry-After for the request in flight, and the translation of an SDK's failure into an
/// <see cref="AIProviderException"/> from that status, whatever exception type the SDK uses.
/// </summary>
internal sealed class ProviderHttp
{
    private readonly AsyncLocal<HttpOutcome?> _current = new();

    internal ProviderHttp(string name, string displayName, string? keyVariable, Uri? endpoint)
    {
        Name = name;
        DisplayName = displayName;
        KeyVariable = keyVariable;
        Endpoint = endpoint;
    }

    internal string Name { get; }

    internal string DisplayName { get; }

    internal string? KeyVariable { get; }

    internal Uri? Endpoint { get; }

    /// <summary>Creates the client the SDK sends through: no client-side timeout (the chain's Polly timeout applies).</summary>
    internal HttpClient CreateHttpClient(Uri? baseAddress = null)
    {
#pragma warning disable CA2000 // The HttpClient owns and disposes the handler chain.
        var handler = new OutcomeHandler(this) { InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) } };
#pragma warning restore CA2000
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        if (baseAddress is not null)
        {
            client.BaseAddress = baseAddress;
        }

        return client;
    }

    internal HttpOutcome Begin()
    {
        var outcome = new HttpOutcome();
        _current.Value = outcome;
        return outcome;
    }

    /// <summary>Turns an SDK failure into an <see cref="AIProviderException"/> that says whether it is transient.</summary>
    internal AIProviderException Translate(Exception ex, HttpOutcome outcome)
    {
        if (ex is AIProviderException known)
        {
            return known;
        }

        string detail = Short(ex.Message);
        if (outcome.Status is int status and >= 400)
        {
            string retry = outcome.RetryAfter is { } after ? string.Create(CultureInfo.InvariantCulture, $", asking to retry after {after.TotalSeconds:0.#} s") : string.Empty;
            (bool transient, string what) = status switch
            {
                401 or 403 => (false, $"refused the credentials (HTTP {status}); check {KeyVariable ?? "the API key"} or the key passed to ApiKey(...)"),
                429 => (true, $"is rate limiting (HTTP 429{retry})"),
                408 => (true, "timed out on its side (HTTP 408)"),
                >= 500 => (true, $"failed on its side (HTTP {status}{retry})"),
                404 => (false, "answered HTTP 404: the model or the endpoint does not exist there (an OpenAI endpoint must include /v1)"),
                _ => (false, $"refused the request (HTTP {status})"),
            };
            return new AIProviderException(Name, $"The {DisplayName} provider {what}. {detail}", transient, status, outcome.RetryAfter, ex);
        }

        if (outcome.Status is int ok)
        {
            return new AIProviderException(Name, $"The {DisplayName} provider answered HTTP {ok} with a body that could not be read as its API's response; is {Where()} really a {DisplayName} server? {detail}", isTransient: false, ok, innerException: ex);
        }

        if (Has<HttpRequestException>(ex) || Has<SocketException>(ex) || Has<IOException>(ex))
        {
            return new AIProviderException(Name, $"The {DisplayName} provider could not be reached at {Where()}: {Short(Innermost(ex).Message)}", isTransient: true, innerException: ex);
        }

        if (Has<TimeoutException>(ex))
        {
            return new AIProviderException(Name, $"The {DisplayName} provider did not answer in time at {Where()}.", isTransient: true, innerException: ex);
        }

        return new AIProviderException(Name, $"The {DisplayName} provider failed: {detail}", isTransient: false, innerException: ex);
    }

    private string Where() => Endpoint?.GetLeftPart(UriPartial.Authority) ?? "its default address";

    private static bool Has<T>(Exception ex)
        where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is T)
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }

    private static string Short(string message)
    {
        message = message.ReplaceLineEndings(" ").Trim();
        return message.Length <= 300 ? message : message[..300] + "…";
    }

    private sealed class OutcomeHandler(ProviderHttp http) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (http._current.Value is { } outcome)
            {
                outcome.Status = (int)response.StatusCode;
                outcome.RetryAfter = response.Headers.RetryAfter switch
                {
                    { Delta: { } delta } => delta,
                    { Date: { } date } => date - TimeProvider.System.GetUtcNow() is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
                    _ => null,
                };
            }

            return response;
        }
    }
}

/// <summary>Wraps a provider SDK's client so that every failure reaches the chain as an <see cref="AIProviderException"/>.</summary>
internal sealed class ProviderErrorChatClient(IChatClient inner, ProviderHttp http) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        HttpOutcome outcome = http.Begin();
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw http.Translate(ex, outcome);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        HttpOutcome outcome = http.Begin();
        IAsyncEnumerator<ChatResponseUpdate> updates;
        try
        {
            updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw http.Translate(ex, outcome);
        }

        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    throw http.Translate(ex, outcome);
                }

                yield return updates.Current;
            }
        }
    }
}
