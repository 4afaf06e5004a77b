using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TaskExecKit.Tests.AI.Providers;

/// <summary>One scripted answer of the fake server.</summary>
internal sealed record FakeReply(int Status, string Body, string ContentType = "application/json", IReadOnlyDictionary<string, string>? Headers = null, bool Hang = false, IReadOnlyList<string>? Chunks = null)
{
    internal static FakeReply Json(string body) => new(200, body);

    internal static FakeReply Error(int status, string body = """{"type":"error","error":{"type":"api_error","message":"scripted failure"}}""", params (string Name, string Value)[] headers) =>
        new(status, body, Headers: headers.ToDictionary(h => h.Name, h => h.Value));

    /// <summary>Never answers (until the client gives up or the server stops).</summary>
    internal static FakeReply Hanging() => new(200, string.Empty, Hang: true);

    /// <summary>Server-Sent Events: each item is one <c>data:</c> payload, flushed separately.</summary>
    internal static FakeReply Sse(params string[] data) => new(200, string.Empty, "text/event-stream", Chunks: [.. data.Select(d => $"data: {d}\n\n")]);
}

/// <summary>A request the fake server received.</summary>
internal sealed record FakeRequest(string Method, string Path, string Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A tiny HTTP server on 127.0.0.1 (HttpListener, no ASP.NET) that answers provider API requests from a
/// script, one reply per request in order, and records what it received.
/// </summary>
internal sealed class FakeProviderServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<FakeReply> _script = new();
    private readonly ConcurrentQueue<FakeRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    internal FakeProviderServer(params FakeReply[] script)
    {
        foreach (var reply in script)
        {
            _script.Enqueue(reply);
        }

        for (int attempt = 0; ; attempt++)
        {
            Port = FreePort();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        _loop = Task.Run(LoopAsync);
    }

    internal int Port { get; }

    /// <summary>Gets the server's root, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    internal Uri Root => new($"http://127.0.0.1:{Port}/");

    internal IReadOnlyList<FakeRequest> Requests => [.. _requests];

    internal FakeProviderServer Then(FakeReply reply)
    {
        _script.Enqueue(reply);
        return this;
    }

    /// <summary>
    /// A port nothing listens on (connection refused). The port stays bound, without listening, for the whole
    /// test run, so no fake server of a test running in parallel can be given it: a port that was merely free
    /// could be, and then this test's "refused" request would take that server's scripted reply.
    /// </summary>
    internal static int ClosedPort() => ((IPEndPoint)RefusingSocket.Value.LocalEndPoint!).Port;

    private static readonly Lazy<Socket> RefusingSocket = new(() =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            string body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!.ToLowerInvariant(), k => context.Request.Headers[k] ?? string.Empty);
            _requests.Enqueue(new FakeRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, body, headers));
            var reply = _script.TryDequeue(out var next) ? next : FakeReply.Error(599, """{"error":"the fake server has no scripted reply left"}""");
            if (reply.Hang)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            }

            var response = context.Response;
            response.StatusCode = reply.Status;
            response.ContentType = reply.ContentType;
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
            {
                response.Headers[name] = value;
            }

            if (reply.Chunks is { } chunks)
            {
                response.SendChunked = true;
                foreach (string chunk in chunks)
                {
                    byte[] bytes = Encoding.UTF8.GetBytes(chunk);
                    await response.OutputStream.WriteAsync(bytes);
                    await response.OutputStream.FlushAsync();
                }
            }
            else
            {
                byte[] bytes = Encoding.UTF8.GetBytes(reply.Body);
                response.ContentLength64 = bytes.Length;
                await response.OutputStream.WriteAsync(bytes);
            }

            response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away (a timeout test) or the server is stopping.
        }
    }
}
