using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TaskExecKit.Dashboard.Tests;

/// <summary>
/// A real Kestrel host on a free 127.0.0.1 port with the dashboard mapped at /tek, over a temp folder holding
/// <c>runtime/</c> and <c>runs/</c>. A request with the header <c>X-Test-Remote</c> is treated as coming from that
/// address (as a forwarded-headers middleware would), to test the rules for other machines without leaving loopback.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    internal const string Token = "test-token-0123456789abcdef";

    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, string root, Uri baseAddress)
    {
        _app = app;
        Root = root;
        BaseAddress = baseAddress;
    }

    internal string Root { get; }

    internal string Runtime => Path.Combine(Root, "runtime");

    internal string Runs => Path.Combine(Root, "runs");

    internal string KillFile => Path.Combine(Runtime, "state", "KILL");

    /// <summary>Gets the dashboard's URL, ending in <c>/tek/</c>.</summary>
    internal Uri BaseAddress { get; }

    internal static async Task<DashboardHost> StartAsync(Action<DashboardOptions>? configure = null, string? root = null)
    {
        root ??= Path.Combine(Path.GetTempPath(), "tek-dash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddTaskExecKitDashboard(o =>
        {
            o.RuntimeDirectory = Path.Combine(root, "runtime");
            o.RunsDirectory = Path.Combine(root, "runs");
            o.AccessToken = Token;
            configure?.Invoke(o);
        });
        var app = builder.Build();
        app.Use((context, next) =>
        {
            if (context.Request.Headers.TryGetValue("X-Test-Remote", out var remote))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(remote.ToString());
            }

            return next(context);
        });
        app.MapTaskExecKitDashboard("/tek");
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardHost(app, root, new Uri(address.TrimEnd('/') + "/tek/"));
    }

    internal HttpClient Client()
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow machine: the temp folder is cleaned by the system.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
