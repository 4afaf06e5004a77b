using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TaskExecKit.Dashboard;

namespace TaskExecKit.Cli.Commands;

/// <summary>
/// <c>task-exec-kit monitor dashboard [--port 8080] [--host 127.0.0.1] [--runtime runtime] [--runs runs]</c>:
/// serves the live web dashboard over the runs folder and the runtime directory until Ctrl+C.
/// </summary>
internal static class DashboardCommand
{
    internal const string TokenVariable = "TASKEXECKIT_DASHBOARD_TOKEN";

    internal static Command Create()
    {
        var port = new Option<int>("--port") { Description = "The TCP port (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "The address to listen on. Anything but loopback makes every page need the access token.", DefaultValueFactory = _ => "127.0.0.1" };
        var runtime = new Option<DirectoryInfo>("--runtime") { Description = "The runtime directory (telemetry, audit trail, run journal, state/KILL).", DefaultValueFactory = _ => new DirectoryInfo("runtime") };
        var runs = new Option<DirectoryInfo>("--runs") { Description = "The folder run evidence is written to.", DefaultValueFactory = _ => new DirectoryInfo("runs") };
        var tokenFile = new Option<FileInfo?>("--token-file") { Description = $"A file holding the access token (or set {TokenVariable}); without either one is generated on first start and printed once." };
        var command = new Command("dashboard", "Serve the live web dashboard: runs as a task graph, agents, the autonomous loop, the audit trail and alerts.") { port, host, runtime, runs, tokenFile };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(
                () => RunAsync(parse.GetRequiredValue(host), parse.GetValue(port), parse.GetRequiredValue(runtime), parse.GetRequiredValue(runs), parse.GetValue(tokenFile), stdout, stderr, null, cancellationToken),
                stderr);
        });
        return command;
    }

    /// <summary>Serves until cancelled; <paramref name="started"/> (tests) receives the dashboard's URL once it listens.</summary>
    internal static async Task<int> RunAsync(string host, int port, DirectoryInfo runtime, DirectoryInfo runs, FileInfo? tokenFile, TextWriter stdout, TextWriter stderr,
        Action<Uri>? started, CancellationToken cancellationToken)
    {
        if (port is < 0 or > 65535)
        {
            await stderr.WriteLineAsync($"task-exec-kit: error: --port must be between 0 and 65535, not {port}").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        IPAddress? address = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (address is null)
        {
            await stderr.WriteLineAsync($"task-exec-kit: error: --host must be an IP address (for example 127.0.0.1 or 0.0.0.0), not '{host}'").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        string? token = Environment.GetEnvironmentVariable(TokenVariable);
        if (tokenFile is not null)
        {
            if (!tokenFile.Exists)
            {
                await stderr.WriteLineAsync($"task-exec-kit: error: --token-file {tokenFile.FullName} does not exist").ConfigureAwait(false);
                return CliErrors.BadInput;
            }

            token = (await File.ReadAllTextAsync(tokenFile.FullName, cancellationToken).ConfigureAwait(false)).Trim();
        }

        if (token is { Length: < 16 })
        {
            await stderr.WriteLineAsync("task-exec-kit: error: the dashboard access token must have at least 16 characters").ConfigureAwait(false);
            return CliErrors.BadInput;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(address, port));
        builder.Services.AddTaskExecKitDashboard(o =>
        {
            o.RuntimeDirectory = runtime.FullName;
            o.RunsDirectory = runs.FullName;
            o.AccessToken = string.IsNullOrEmpty(token) ? null : token;
            o.TokenGenerated = t =>
            {
                stdout.WriteLine($"dashboard access token (shown once, only its hash is kept under {Path.Combine(runtime.FullName, "state")}): {t}");
                stdout.WriteLine("  control actions (kill switch, approvals) need it; delete state/dashboard.token.sha256 to make a new one.");
            };
        });

        await using var app = builder.Build();
        app.MapTaskExecKitDashboard("/tek");
        app.MapGet("/", () => Results.Redirect("/tek/"));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var url = new Uri((addresses.FirstOrDefault() ?? $"http://{host}:{port}").Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/tek/");
        await stdout.WriteLineAsync($"dashboard: {url} (runs {runs.FullName}, runtime {runtime.FullName}); Ctrl+C stops it").ConfigureAwait(false);
        if (!IPAddress.IsLoopback(address))
        {
            await stdout.WriteLineAsync($"listening on {address}, not loopback: every page needs the access token").ConfigureAwait(false);
        }

        started?.Invoke(url);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C.
        }

        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return CliErrors.Ok;
    }
}
