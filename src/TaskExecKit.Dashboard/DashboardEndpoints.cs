using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Dashboard;

/// <summary>The dashboard's routes: the page and its assets (public, they hold no data), the API and the event stream (read rule), and the control actions (token rule).</summary>
internal static class DashboardEndpoints
{
    private const int MaxReasonLength = 500;
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    internal static RouteGroupBuilder Map(IEndpointRouteBuilder endpoints, string prefix, DashboardState state)
    {
        var hub = endpoints.ServiceProvider.GetRequiredService<ChangeHub>();
        var group = endpoints.MapGroup(prefix);
        group.AddEndpointFilter(async (context, next) =>
        {
            SecurityHeaders(context.HttpContext.Response);
            return await next(context).ConfigureAwait(false);
        });

        // The page: a static shell; everything it shows comes from the API below.
        // The page's relative links need the trailing slash: /tek redirects to /tek/.
        group.MapGet("/", (HttpContext http) => http.Request.Path.Value?.EndsWith('/') == true || http.Request.PathBase.Value?.EndsWith('/') == true
            ? Assets.Page(http, prefix)
            : Results.Redirect(http.Request.PathBase + http.Request.Path + "/"));

        group.MapGet("/assets/{name}", (string name) => Assets.File(name));

        var api = group.MapGroup("/api");
        api.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            http.Response.Headers.CacheControl = "no-store";
            return Authorize(http, state) ?? await next(context).ConfigureAwait(false);
        });

        api.MapGet("/events", (CancellationToken ct) => hub.Subscribe() is { } subscription
            ? (IResult)TypedResults.ServerSentEvents(Stream(subscription, hub, state, ct))
            : TypedResults.Problem("Too many open event streams.", statusCode: StatusCodes.Status503ServiceUnavailable));

        api.MapGet("/overview", (HttpContext http) =>
        {
            var (engaged, reason) = state.Control.KillSwitch();
            return Results.Json(new
            {
                runtime = Path.GetFileName(state.RuntimeDirectory),
                runs = Path.GetFileName(state.RunsDirectory),
                killSwitch = new { engaged, reason },
                loopback = AccessTokens.IsLoopback(http),
                tokenSource = state.Tokens.Source,
                engine = LoopEngine.IsAvailable,
            });
        });

        api.MapGet("/runs", () => Results.Json(state.Runs.ListRuns()));
        api.MapGet("/runs/{runId}", (string runId) => state.Runs.GetRun(runId) is { } run ? Results.Json(run) : NotFound($"no run '{runId}'"));
        api.MapGet("/runs/{runId}/tasks/{taskId}/log", (string runId, string taskId) =>
            state.Runs.GetLog(runId, taskId) is { } log ? Results.Text(log, "text/plain; charset=utf-8") : NotFound($"no log for task '{taskId}' of run '{runId}' yet"));

        api.MapGet("/agents", async (string? since, CancellationToken ct) =>
        {
            if (!TryRange(since, "1 hour ago", out var range, out var bad))
            {
                return bad!;
            }

            return await state.Telemetry.GetAsync(ct).ConfigureAwait(false) is { } telemetry
                ? Results.Json(await DashboardQueries.AgentsAsync(telemetry, range, ct).ConfigureAwait(false))
                : Results.Json(new { available = false });
        });

        api.MapGet("/loop", async (CancellationToken ct) =>
        {
            var (engaged, reason) = state.Control.KillSwitch();
            var telemetry = await state.Telemetry.GetAsync(ct).ConfigureAwait(false);
            var engine = await state.Engine.StatusAsync(ct).ConfigureAwait(false);
            var history = telemetry is null ? null : await state.Telemetry.SharedAsync("loop", hub.Version, () => DashboardQueries.LoopHistoryAsync(telemetry, CancellationToken.None)).ConfigureAwait(false);
            return Results.Json(new { killSwitch = new { engaged, reason }, engineAvailable = LoopEngine.IsAvailable, engine, history });
        });

        api.MapGet("/audit", async (string? since, string? kind, string? agent, string? text, CancellationToken ct) =>
        {
            if (!TryRange(since, "1 day ago", out var range, out var bad))
            {
                return bad!;
            }

            var (verification, error) = await state.Telemetry.VerifyAuditAsync(ct).ConfigureAwait(false);
            var telemetry = await state.Telemetry.GetAsync(ct).ConfigureAwait(false);
            var entries = telemetry is null ? [] : await DashboardQueries.AuditAsync(telemetry, range, kind, agent, text, ct).ConfigureAwait(false);
            return Results.Json(new
            {
                verification = verification is null ? null : new
                {
                    valid = verification.IsValid,
                    rowsChecked = verification.RowsChecked,
                    headSequence = verification.HeadSequence,
                    firstBadSequence = verification.FirstBadSequence,
                    problem = verification.Problem,
                },
                verificationError = error,
                entries,
            });
        });

        api.MapGet("/alerts", async (CancellationToken ct) =>
            await state.Telemetry.GetAsync(ct).ConfigureAwait(false) is { } telemetry
                ? Results.Json(await state.Telemetry.SharedAsync("alerts", hub.Version, () => DashboardQueries.AlertsAsync(telemetry, CancellationToken.None)).ConfigureAwait(false))
                : Results.Json(new { active = Array.Empty<object>(), events = Array.Empty<object>() }));

        // Control: POST only, the token in a header (a cookie is never enough), same origin; each is audited.
        api.MapPost("/session", (HttpContext http) =>
        {
            http.Response.Cookies.Append(AccessTokens.CookieName, state.Tokens.StartSession(), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = http.Request.IsHttps,
                Path = prefix.Length == 0 ? "/" : prefix,
                MaxAge = TimeSpan.FromHours(12),
            });
            return Results.Json(new { session = "started" });
        });

        api.MapPost("/control/kill", async (HttpContext http, CancellationToken ct) =>
        {
            string reason = await ReasonAsync(http, "no reason given", ct).ConfigureAwait(false);
            string audit = await state.Engine.KillAsync(reason, ct).ConfigureAwait(false);
            hub.Check();
            return Results.Json(new { killSwitch = "engaged", audit });
        });

        api.MapPost("/control/kill/clear", async (HttpContext http, CancellationToken ct) =>
        {
            string reason = await ReasonAsync(http, "cleared from the dashboard", ct).ConfigureAwait(false);
            string audit = await state.Control.ClearKillAsync(reason, ct).ConfigureAwait(false);
            hub.Check();
            return Results.Json(new { killSwitch = "cleared", audit });
        });

        api.MapPost("/control/stop", async (HttpContext http, bool? graceful, CancellationToken ct) =>
        {
            string reason = await ReasonAsync(http, "stop requested from the dashboard", ct).ConfigureAwait(false);
            return await state.Engine.StopAsync(graceful ?? true, reason, ct).ConfigureAwait(false);
        });

        api.MapPost("/control/approvals/{id}/approve", async (string id, HttpContext http, CancellationToken ct) =>
        {
            await ReasonAsync(http, "dashboard", ct).ConfigureAwait(false);
            return await state.Engine.ApproveAsync(id, "dashboard", ct).ConfigureAwait(false);
        });

        api.MapPost("/control/approvals/{id}/reject", async (string id, HttpContext http, CancellationToken ct) =>
        {
            string reason = await ReasonAsync(http, "rejected from the dashboard", ct).ConfigureAwait(false);
            return await state.Engine.RejectAsync(id, "dashboard", reason, ct).ConfigureAwait(false);
        });

        return group;
    }

    /// <summary>The access rules; null lets the request through, otherwise the refusal.</summary>
    internal static IResult? Authorize(HttpContext http, DashboardState state)
    {
        var request = http.Request;
        bool token = state.Tokens.Verify(AccessTokens.Presented(request));
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            if (!AccessTokens.IsSameOrigin(request))
            {
                return Refuse(StatusCodes.Status403Forbidden, "cross-site request refused: control actions only come from the dashboard's own page");
            }

            return token ? null : Refuse(StatusCodes.Status401Unauthorized, "the access token is required for control actions (send it in the X-TEK-Token header)");
        }

        if (token || state.Tokens.HasSession(request))
        {
            return null;
        }

        if (!state.Options.RequireTokenForReads && AccessTokens.IsLoopback(http))
        {
            return null;
        }

        return Refuse(StatusCodes.Status401Unauthorized, state.Options.RequireTokenForReads
            ? "the access token is required"
            : "the access token is required from an address other than loopback");
    }

    private static IResult Refuse(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private static IResult NotFound(string message) => Results.Json(new { error = message }, statusCode: StatusCodes.Status404NotFound);

    private static void SecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
    }

    private static bool TryRange(string? since, string fallback, out TimeRange range, out IResult? bad)
    {
        bad = null;
        if (TimeRange.TryParseSince(string.IsNullOrWhiteSpace(since) ? fallback : since, out range))
        {
            return true;
        }

        bad = Results.Json(new { error = $"since: cannot read '{since}' (try '1 hour ago', '15m', '2 days ago')" }, statusCode: StatusCodes.Status400BadRequest);
        return false;
    }

    private static async Task<string> ReasonAsync(HttpContext http, string fallback, CancellationToken ct)
    {
        if (http.Request.ContentLength is null or (> 0 and < 8192) && http.Request.HasJsonContentType())
        {
            try
            {
                var buffer = new byte[8192];
                int read = 0, n;
                while (read < buffer.Length && (n = await http.Request.Body.ReadAsync(buffer.AsMemory(read), ct).ConfigureAwait(false)) > 0)
                {
                    read += n;
                }

                var body = read is 0 or >= 8192 ? null : JsonNode.Parse(buffer.AsSpan(0, read)) as JsonObject;
                if (body?["reason"] is JsonValue value && value.TryGetValue(out string? text) && !string.IsNullOrWhiteSpace(text))
                {
                    text = text.ReplaceLineEndings(" ").Trim();
                    return text.Length > MaxReasonLength ? text[..MaxReasonLength] : text;
                }
            }
            catch (JsonException)
            {
                // Not JSON: the fallback reason.
            }
        }

        return fallback;
    }

    private static async IAsyncEnumerable<SseItem<string>> Stream(ChangeHub.Subscription subscription, ChangeHub hub, DashboardState state, [EnumeratorCancellation] CancellationToken ct)
    {
        using (subscription)
        {
            yield return new SseItem<string>("{\"version\":" + hub.Version.ToString(CultureInfo.InvariantCulture) + "}", "hello");
            while (!ct.IsCancellationRequested)
            {
                var wait = subscription.Reader.WaitToReadAsync(ct).AsTask();
                var beat = Task.Delay(Heartbeat, state.Options.TimeProvider, ct);
                bool more;
                try
                {
                    var done = await Task.WhenAny(wait, beat).ConfigureAwait(false);
                    if (done == beat)
                    {
                        await beat.ConfigureAwait(false);
                        more = true;
                    }
                    else
                    {
                        more = await wait.ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                if (!more)
                {
                    yield break;
                }

                bool any = false;
                while (subscription.Reader.TryRead(out string? data))
                {
                    any = true;
                    yield return new SseItem<string>(data, "changed");
                }

                if (!any)
                {
                    yield return new SseItem<string>("{}", "ping");
                }
            }
        }
    }
}
