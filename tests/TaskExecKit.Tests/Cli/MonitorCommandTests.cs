using System.Text.Json;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Cli;

public sealed class MonitorCommandTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static async Task<string> RecordAsync(TempDirectory dir)
    {
        string runtime = Path.Combine(dir.Path, "runtime");
        var options = new TelemetryOptions
        {
            RuntimeDirectory = runtime,
            Store = new SqliteTelemetryStoreFactory(),
            PersistInstrumentMeasurements = false,
        };
        await using var telemetry = new TelemetrySystem(options);
        for (int i = 0; i < 20; i++)
        {
            telemetry.RecordTaskStarted($"T{i}", "agent-123");
            telemetry.RecordTaskFinished($"T{i}", "agent-123", i < 15 ? TaskOutcome.Succeeded : TaskOutcome.Failed, TimeSpan.FromMilliseconds(250), attempts: i % 5 == 0 ? 2 : 1);
        }

        telemetry.RecordTaskFinished("X", "other-agent", TaskOutcome.Succeeded, TimeSpan.FromSeconds(3));
        telemetry.RecordEffect("process:git", "git push", allowed: false, reason: "not granted", agentId: "agent-123", taskId: "T3");
        telemetry.RecordDecision("retry", "transient failure", "attempt=1", "agent-123", "T4");
        return runtime;
    }

    [Fact]
    public async Task Metrics_AgentId_PrintsThatAgentsFigures()
    {
        using var dir = new TempDirectory();
        await RecordAsync(dir);

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "monitor", "metrics", "--agent-id", "agent-123", "--runtime", "@runtime", "--since", "30 minutes ago");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        Assert.Contains("for agent agent-123", output, StringComparison.Ordinal);
        Assert.Contains("75.0 %", output, StringComparison.Ordinal);
        Assert.Contains("20 (15 succeeded, 5 failed)", output, StringComparison.Ordinal);
        Assert.Contains("24 (4 retries)", output, StringComparison.Ordinal);
        Assert.Contains("minute (UTC)", output, StringComparison.Ordinal);
        Assert.Contains("failed 15m", output, StringComparison.Ordinal);
        Assert.Contains("25.0 %", output, StringComparison.Ordinal); // 5 of the 20 finished in the window failed
        log.WriteLine(output);
    }

    [Fact]
    public async Task Metrics_AllAgentsAsJson_ListsEveryAgent()
    {
        using var dir = new TempDirectory();
        await RecordAsync(dir);

        var (code, output, _) = await CliHarness.RunAsync(dir.Path, "monitor", "metrics", "--runtime", "@runtime", "--json");

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(21, doc.RootElement.GetProperty("overall").GetProperty("tasksFinished").GetInt64());
        Assert.Equal(["agent-123", "other-agent"], doc.RootElement.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("agentId").GetString()));
        var trend = doc.RootElement.GetProperty("perMinute").EnumerateArray().Last().GetProperty("trend");
        Assert.Equal(21, trend.GetProperty("tasksFinished").GetInt64());
    }

    [Fact]
    public async Task Audit_Verify_PrintsTheRowsAndConfirmsTheChain()
    {
        using var dir = new TempDirectory();
        await RecordAsync(dir);

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "monitor", "audit", "--since", "1 hour ago", "--verify", "--runtime", "@runtime");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        Assert.Contains("Audit trail verified: 2 row(s)", output, StringComparison.Ordinal);
        Assert.Contains("EffectDenied", output, StringComparison.Ordinal);
        Assert.Contains("transient failure", output, StringComparison.Ordinal);
        log.WriteLine(output);
    }

    [Fact]
    public async Task Audit_VerifyAfterTampering_ExitsTwoAndNamesTheRow()
    {
        using var dir = new TempDirectory();
        string runtime = await RecordAsync(dir);
        Sqlite.SqliteTestSupport.Execute(Path.Combine(runtime, "database", "audit.db"), "UPDATE audit SET detail = 'git status' WHERE seq = 1");

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "monitor", "audit", "--verify", "--runtime", "@runtime", "--json");

        Assert.Equal(2, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(1, doc.RootElement.GetProperty("verification").GetProperty("firstBadSequence").GetInt64());
        Assert.Contains("row 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_BadSince_ExplainsTheAcceptedFormsWithoutAStackTrace()
    {
        using var dir = new TempDirectory();
        await RecordAsync(dir);

        var (code, _, error) = await CliHarness.RunAsync(dir.Path, "monitor", "audit", "--since", "last tuesday", "--runtime", "@runtime");

        Assert.Equal(1, code);
        Assert.Contains("--since: cannot read 'last tuesday'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_NoDatabase_SaysWhereItLooked()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = await CliHarness.RunAsync(dir.Path, "monitor", "metrics", "--runtime", "@nowhere");

        Assert.Equal(1, code);
        Assert.Contains("no telemetry database at", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "nowhere")));
    }

    [Fact]
    public async Task Audit_CorruptedDatabase_GivesAClearError()
    {
        using var dir = new TempDirectory();
        string runtime = await RecordAsync(dir);
        File.WriteAllText(Path.Combine(runtime, "database", "audit.db"), "garbage, not sqlite");

        var (code, _, error) = await CliHarness.RunAsync(dir.Path, "monitor", "audit", "--runtime", "@runtime");

        Assert.Equal(1, code);
        Assert.Contains("not a SQLite database", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }
}
