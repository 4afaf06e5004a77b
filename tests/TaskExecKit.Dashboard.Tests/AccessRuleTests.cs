using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Dashboard.Tests;

/// <summary>The access rules over plain HTTP: reads, control actions, CSRF, sessions and the generated token.</summary>
public sealed class AccessRuleTests
{
    [Fact]
    public async Task Reads_FromLoopback_NeedNoToken()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = host.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/overview")).StatusCode);
        var page = await client.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_FromAnotherMachine_NeedTheToken()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = host.Client();
        client.DefaultRequestHeaders.Add("X-Test-Remote", "10.1.2.3");

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/events")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/audit")).StatusCode);

        using var withToken = new HttpRequestMessage(HttpMethod.Get, "api/runs");
        withToken.Headers.Add("X-TEK-Token", DashboardHost.Token);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(withToken)).StatusCode);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "api/runs");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token-at-all");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(wrong)).StatusCode);

        // The page shell holds no data: it loads, and asks for the token.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("")).StatusCode);
    }

    [Fact]
    public async Task Session_StartedWithTheToken_OpensReads_ButNotControl()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = host.Client();
        client.DefaultRequestHeaders.Add("X-Test-Remote", "192.168.7.9");

        using var start = new HttpRequestMessage(HttpMethod.Post, "api/session");
        start.Headers.Add("X-TEK-Token", DashboardHost.Token);
        var started = await client.SendAsync(start);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        string cookie = started.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/runs")).StatusCode);

        // The cookie alone never allows a control action: a cross-site form could send it.
        var kill = await client.PostAsync("api/control/kill", JsonContent.Create(new { reason = "cookie only" }));
        Assert.Equal(HttpStatusCode.Unauthorized, kill.StatusCode);
        Assert.False(File.Exists(host.KillFile));
    }

    [Fact]
    public async Task Session_WithoutTheToken_IsRefused()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = host.Client();
        client.DefaultRequestHeaders.Add("X-Test-Remote", "192.168.7.9");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("api/session", null)).StatusCode);
    }

    [Fact]
    public async Task ReadsNeedTheToken_FromLoopbackToo_WhenConfigured()
    {
        await using var host = await DashboardHost.StartAsync(o => o.RequireTokenForReads = true);
        using var client = host.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/runs")).StatusCode);
    }

    [Fact]
    public async Task Kill_WithoutTheToken_IsRefused_AndWritesNothing()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = host.Client();
        var response = await client.PostAsync("api/control/kill", JsonContent.Create(new { reason = "no token" }));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("token", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(File.Exists(host.KillFile));
    }

    [Theory]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task Kill_FromAnotherSite_IsRefused_EvenWithTheToken(string header, string value)
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/control/kill") { Content = JsonContent.Create(new { reason = "csrf" }) };
        request.Headers.Add("X-TEK-Token", DashboardHost.Token);
        request.Headers.Add(header, value);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(File.Exists(host.KillFile));
    }

    [Fact]
    public async Task Kill_WithTheToken_WritesTheKillFile_AndIsAudited_ThenClears()
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/control/kill") { Content = JsonContent.Create(new { reason = "runaway loop" }) };
        request.Headers.Add("X-TEK-Token", DashboardHost.Token);
        request.Headers.Add("Origin", host.BaseAddress.GetLeftPart(UriPartial.Authority));
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("recorded", (await response.Content.ReadFromJsonAsync<JsonObject>())!["audit"]!.GetValue<string>());
        Assert.Contains("runaway loop", await File.ReadAllTextAsync(host.KillFile), StringComparison.Ordinal);

        using var clear = new HttpRequestMessage(HttpMethod.Post, "api/control/kill/clear") { Content = JsonContent.Create(new { reason = "fixed" }) };
        clear.Headers.Add("X-TEK-Token", DashboardHost.Token);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(clear)).StatusCode);
        Assert.False(File.Exists(host.KillFile));

        var audit = await client.GetFromJsonAsync<JsonObject>("api/audit");
        var entries = audit!["entries"]!.AsArray();
        Assert.Contains(entries, e => (string?)e!["kind"] == "KillSwitch" && ((string?)e["why"])!.Contains("runaway loop", StringComparison.Ordinal));
        Assert.Contains(entries, e => (string?)e!["kind"] == "Decision" && (string?)e["what"] == "kill switch cleared");
        Assert.True((bool)audit["verification"]!["valid"]!);
        var verified = await SqliteAuditTrail.VerifyAsync(host.Runtime);
        Assert.True(verified.IsValid, verified.Problem);
    }

    [Fact]
    public async Task Kill_WhileAnotherWriterHoldsTheStore_IsQueued_AndWrittenWhenItIsFree()
    {
        await using var host = await DashboardHost.StartAsync();
        var writer = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = host.Runtime, WriteJsonLogs = false });
        using var client = host.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/control/kill") { Content = JsonContent.Create(new { reason = "while running" }) };
        request.Headers.Add("X-TEK-Token", DashboardHost.Token);
        var response = await client.SendAsync(request);
        Assert.Equal("queued", (await response.Content.ReadFromJsonAsync<JsonObject>())!["audit"]!.GetValue<string>());
        Assert.True(File.Exists(host.KillFile));
        await writer.DisposeAsync();

        // The change watcher flushes queued entries once the store is free.
        string pending = Path.Combine(host.Runtime, "state", "dashboard-audit.pending.jsonl");
        for (int i = 0; i < 300 && File.Exists(pending); i++)
        {
            await Task.Delay(100);
        }

        Assert.False(File.Exists(pending));
        var audit = await client.GetFromJsonAsync<JsonObject>("api/audit");
        Assert.Contains(audit!["entries"]!.AsArray(), e => (string?)e!["kind"] == "KillSwitch");
    }

    [Fact]
    public async Task GeneratedToken_IsHandedOutOnce_AndOnlyItsHashIsKept()
    {
        string root = Path.Combine(Path.GetTempPath(), "tek-dash-" + Guid.NewGuid().ToString("N"));
        var handed = new List<string>();
        string token;
        await using (var first = await DashboardHost.StartAsync(o => { o.AccessToken = null; o.TokenGenerated = handed.Add; }, root))
        {
            token = Assert.Single(handed);
            string stored = await File.ReadAllTextAsync(Path.Combine(first.Runtime, "state", "dashboard.token.sha256"));
            Assert.DoesNotContain(token, stored, StringComparison.Ordinal);
            Assert.Equal(64, stored.Trim().Length);
        }
    }

    [Fact]
    public async Task StoredToken_IsNotHandedOutAgain_AndStillWorks()
    {
        string root = Path.Combine(Path.GetTempPath(), "tek-dash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "runtime", "state"));
        string token = "a-token-that-is-long-enough-42";
        await File.WriteAllTextAsync(Path.Combine(root, "runtime", "state", "dashboard.token.sha256"),
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token))));
        var handed = new List<string>();
        await using var host = await DashboardHost.StartAsync(o => { o.AccessToken = null; o.TokenGenerated = handed.Add; }, root);
        Assert.Empty(handed);
        using var client = host.Client();
        client.DefaultRequestHeaders.Add("X-Test-Remote", "10.0.0.5");
        client.DefaultRequestHeaders.Add("X-TEK-Token", token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/runs")).StatusCode);
    }

    [Theory]
    [InlineData("api/runs/..")]
    [InlineData("api/runs/..%2F..%2Fetc")]
    [InlineData("api/runs/nope/tasks/x/log")]
    public async Task RunPaths_OutsideTheRunsFolder_AreNotFound(string path)
    {
        await using var host = await DashboardHost.StartAsync();
        using var client = host.Client();
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void ShortConfiguredToken_IsRejected()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        var ex = Assert.Throws<ArgumentException>(() => services.AddTaskExecKitDashboard(o => o.AccessToken = "short"));
        Assert.Contains("AccessToken", ex.Message, StringComparison.Ordinal);
    }
}
