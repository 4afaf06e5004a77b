using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TaskExecKit.Tests;

/// <summary>A real HTTP server on 127.0.0.1 for tests that need one (the HTTP tool, the alert webhook): each request is answered by a handler and recorded.</summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerRequest, string, Task<(int Status, string Body, string? Location)>> _handler;
    private readonly Task _loop;

    public LoopbackServer(Func<HttpListenerRequest, string, Task<(int Status, string Body, string? Location)>> handler)
    {
        _handler = handler;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public LoopbackServer(string body)
        : this((_, _) => Task.FromResult((200, body, (string?)null)))
    {
    }

    public int Port { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary>Method, path and body of every request received.</summary>
    public ConcurrentQueue<(string Method, string Path, string Body)> Received { get; } = new();

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
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

            _ = Task.Run(async () =>
            {
                try
                {
                    using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                    string body = await reader.ReadToEndAsync();
                    Received.Enqueue((context.Request.HttpMethod, context.Request.Url!.AbsolutePath, body));
                    var (status, text, location) = await _handler(context.Request, body);
                    context.Response.StatusCode = status;
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    if (location is not null)
                    {
                        context.Response.RedirectLocation = location;
                    }

                    byte[] bytes = Encoding.UTF8.GetBytes(text);
                    context.Response.ContentLength64 = bytes.Length;
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or IOException)
                {
                    // The client went away (e.g. it timed out).
                }
            });
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Stopped.
        }
    }
}
