using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using TaskExecKit.Effects;

namespace TaskExecKit.AI;

/// <summary>
/// Lets the model make HTTP requests: functions <c>http_get</c> (a <c>url</c>) and <c>http_post</c>
/// (a <c>url</c>, a <c>body</c> and an optional <c>content_type</c>). Each call needs
/// <c>net:</c> the URL's host and port (<see cref="Capability.Network(string, int?)"/>); only
/// <c>http</c> and <c>https</c> URLs are accepted. Redirects are not followed: the model gets the
/// status and the <c>Location</c>, and a request to it is checked again. The model cannot set headers
/// (so it cannot add credentials); request bodies are capped at 1 MiB, response bodies are cut to
/// the result cap, and each request has a time limit.
/// </summary>
/// <remarks>The tool owns an <see cref="HttpClient"/>; dispose it when no agent uses it any more.</remarks>
public sealed class HttpTool : AgentTool, IDisposable
{
    private const int MaxRequestBodyChars = 1024 * 1024;

    private static readonly JsonElement GetSchema = JsonDocument.Parse("""
        {"type":"object","properties":{"url":{"type":"string","description":"An absolute http or https URL."}},"required":["url"]}
        """).RootElement.Clone();

    private static readonly JsonElement PostSchema = JsonDocument.Parse("""
        {"type":"object","properties":{"url":{"type":"string","description":"An absolute http or https URL."},"body":{"type":"string","description":"The request body."},"content_type":{"type":"string","description":"The body's media type; application/json by default."}},"required":["url","body"]}
        """).RootElement.Clone();

    private readonly HttpClient _client;
    private readonly TimeSpan _timeout;

    /// <summary>Creates the tool; each request may take at most 30 seconds.</summary>
    public HttpTool()
        : this(TimeSpan.FromSeconds(30))
    {
    }

    /// <summary>Creates the tool with a time limit for each request.</summary>
    /// <param name="timeout">How long one request (until its body is read) may take.</param>
    public HttpTool(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _timeout = timeout;
#pragma warning disable CA2000 // The client owns the handler and is disposed in Dispose.
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
#pragma warning restore CA2000
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("TaskExecKit-HttpTool", "1.0"));
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> FunctionNames { get; } = ["http_get", "http_post"];

    /// <summary>Releases the tool's HTTP client.</summary>
    public void Dispose() => _client.Dispose();

    internal override IEnumerable<AIFunction> CreateFunctions(AgentRun run)
    {
        yield return new GatedFunction("http_get", "Sends an HTTP GET request and returns the status, the content type and the body (long bodies are cut).", GetSchema,
            args => NetworkOf(Target(args)), (args, _, ct) => SendAsync(HttpMethod.Get, args, run, ct), run);
        yield return new GatedFunction("http_post", "Sends an HTTP POST request with a body and returns the status, the content type and the response body (long bodies are cut).", PostSchema,
            args => NetworkOf(Target(args)), (args, _, ct) => SendAsync(HttpMethod.Post, args, run, ct), run);
    }

    /// <summary>Reads the URL argument; only absolute http and https URLs are accepted.</summary>
    internal static Uri Target(AIFunctionArguments arguments)
    {
        string text = ToolArguments.RequireString(arguments, "url");
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"the url '{text}' is not an absolute http or https URL");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw new ArgumentException("the url must not contain a user name or password");
        }

        return uri;
    }

    private static Capability NetworkOf(Uri uri) => Capability.Network(uri.IdnHost.Trim('[', ']'), uri.Port);

    private async ValueTask<string> SendAsync(HttpMethod method, AIFunctionArguments arguments, AgentRun run, CancellationToken cancellationToken)
    {
        Uri uri = Target(arguments);
        using var request = new HttpRequestMessage(method, uri);
        if (method == HttpMethod.Post)
        {
            string body = ToolArguments.OptionalString(arguments, "body") ?? string.Empty;
            if (body.Length > MaxRequestBodyChars)
            {
                throw new ArgumentException($"the body has {body.Length} characters; at most {MaxRequestBodyChars} may be sent");
            }

            string mediaType = ToolArguments.OptionalString(arguments, "content_type") is { Length: > 0 } type ? type : "application/json";
            if (!MediaTypeHeaderValue.TryParse(mediaType, out var contentType))
            {
                throw new ArgumentException($"the content_type '{mediaType}' is not a media type");
            }

            contentType.CharSet ??= "utf-8";
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType;
        }

        using var timeout = new CancellationTokenSource(_timeout, run.Agent.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"status {(int)response.StatusCode} {response.ReasonPhrase}");
            if (response.Content.Headers.ContentType is { } type)
            {
                text.Append("\ncontent-type: ").Append(type.ToString());
            }

            if (response.Headers.Location is { } location)
            {
                text.Append("\nlocation: ").Append(new Uri(uri, location).ToString()).Append(" (not followed; a request to it is checked on its own)");
            }

            string body = await ReadCappedAsync(response.Content, linked.Token).ConfigureAwait(false);
            if (body.Length > 0)
            {
                text.Append("\n\n").Append(body);
            }

            return text.ToString();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the request to {uri.GetLeftPart(UriPartial.Authority)} took longer than {_timeout}");
        }
    }

    /// <summary>Reads at most about the result cap of the body, as UTF-8 text, and says when it is cut.</summary>
    private static async Task<string> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        const int Keep = GatedFunction.MaxResultChars - 256;
        using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        char[] buffer = new char[Keep + 1];
        int read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return read > Keep
            ? string.Concat(buffer.AsSpan(0, Keep), "\n[truncated: the body is longer]")
            : new string(buffer, 0, read);
    }
}
