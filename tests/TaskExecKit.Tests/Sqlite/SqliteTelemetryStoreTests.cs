using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;
using static TaskExecKit.Tests.Sqlite.SqliteTestSupport;

namespace TaskExecKit.Tests.Sqlite;

public sealed class SqliteTelemetryStoreTests
{
    [Fact]
    public async Task Store_RoundTripsMetricsEventsAndAuditAcrossReopen()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        var time = new FakeTimeProvider(Start);
        await using (var telemetry = new TelemetrySystem(Options(runtime, time)))
        {
            Assert.StartsWith("sqlite: ", telemetry.StoreDescription, StringComparison.Ordinal);
            for (int i = 0; i < 50; i++)
            {
                telemetry.RecordTaskStarted($"T{i}", "agent-a");
                telemetry.RecordTaskFinished($"T{i}", "agent-a", i < 45 ? TaskOutcome.Succeeded : TaskOutcome.Failed, TimeSpan.FromMilliseconds(100), attempts: 2);
            }

            telemetry.RecordEffect("net:example.org:443", "GET /", allowed: false, reason: "not granted", agentId: "agent-a");
        }

        time.Advance(TimeSpan.FromMinutes(1));
        await using (var telemetry = new TelemetrySystem(Options(runtime, time)))
        {
            telemetry.RecordDecision("stop", "budget spent", "cost=3.10");
            var metrics = await telemetry.GetMetricsAsync(TimeRange.LastHour);
            var a = metrics.Agents["agent-a"];
            Assert.Equal(50, a.TasksStarted);
            Assert.Equal(0.9, a.SuccessRate!.Value, 6);
            Assert.Equal(50, a.Retries);
            Assert.Equal(1, a.CountOf(TelemetryEventKind.EffectDenied));

            var recent = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, "agent-a", [TelemetryEventKind.EffectDenied]));
            Assert.Equal("GET /", Assert.Single(recent).Detail);

            var audit = await telemetry.GetAuditEntriesAsync(TimeRange.LastHour);
            Assert.Equal([1L, 2L], audit.Select(e => e.Sequence));
            Assert.Equal("stop", audit[1].Event.Name);
            Assert.Equal(64, audit[1].Hash!.Length);
        }

        var verification = await SqliteAuditTrail.VerifyAsync(runtime);
        Assert.True(verification.IsValid, verification.Problem);
        Assert.Equal(2, verification.RowsChecked);
    }

    [Fact]
    public async Task NewTelemetrySystem_WithTheSatelliteReferenced_DiscoversSqlite()
    {
        using var dir = new TempDirectory();
        await using var telemetry = new TelemetrySystem(new TelemetryOptions { RuntimeDirectory = Path.Combine(dir.Path, "runtime") });

        Assert.Equal($"sqlite: {Path.Combine(dir.Path, "runtime", "database", "telemetry.db")}", telemetry.StoreDescription);
    }

    [Fact]
    public async Task AddTaskExecKit_UseSqlite_RegistersATelemetrySystemOnSqlite()
    {
        using var dir = new TempDirectory();
        var services = new ServiceCollection();
        services.AddTaskExecKit(b => b.UseSqlite(Path.Combine(dir.Path, "rt"), o => o.Synchronous = SqliteSynchronous.Full));

        var descriptor = Assert.Single(services, d => d.ServiceType == typeof(TelemetrySystem));
        Assert.Equal(ServiceLifetime.Singleton, descriptor.Lifetime);
        await using var telemetry = (TelemetrySystem)descriptor.ImplementationFactory!(new EmptyServiceProvider());
        Assert.Contains(Path.Combine(dir.Path, "rt", "database", "telemetry.db"), telemetry.StoreDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Databases_UseWalMode()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await using (var telemetry = new TelemetrySystem(Options(runtime)))
        {
            telemetry.RecordTaskStarted("T1");
        }

        foreach (string db in new[] { "telemetry.db", "audit.db" })
        {
            using var connection = OpenRaw(Path.Combine(runtime, "database", db));
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode";
            Assert.Equal("wal", cmd.ExecuteScalar());
        }
    }

    [Fact]
    public async Task Open_NotASqliteFile_ThrowsClearErrorAndLeavesItUntouched()
    {
        using var dir = new TempDirectory();
        string path = dir.File("runtime/database/telemetry.db", "this is not a database, it is a shopping list");
        byte[] before = File.ReadAllBytes(path);

        var ex = await Assert.ThrowsAsync<TelemetryStoreException>(async () => await new TelemetrySystem(Options(Path.Combine(dir.Path, "runtime"))).DisposeAsync());

        Assert.Contains("not a SQLite database", ex.Message, StringComparison.Ordinal);
        Assert.False(ex.IsTransient);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Open_CorruptedPages_ThrowsClearErrorAndLeavesItUntouched()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await WriteAuditTrailAsync(runtime, 10);
        string path = Path.Combine(runtime, "database", "telemetry.db");
        byte[] bytes = File.ReadAllBytes(path);
        // Keep the 100-byte header, destroy page 1's b-tree header and the schema.
        Array.Fill(bytes, (byte)0xA5, 100, bytes.Length - 100);
        File.WriteAllBytes(path, bytes);

        var ex = await Assert.ThrowsAsync<TelemetryStoreException>(async () => await new TelemetrySystem(Options(runtime)).DisposeAsync());

        Assert.Contains("corrupted", ex.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Open_NewerSchema_ThrowsAndLeavesTheDatabaseUntouched()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await WriteAuditTrailAsync(runtime, 3);
        string path = Path.Combine(runtime, "database", "telemetry.db");
        Execute(path, "UPDATE schema_version SET version = 99; PRAGMA wal_checkpoint(TRUNCATE);");
        byte[] before = SHA256.HashData(File.ReadAllBytes(path));

        var ex = await Assert.ThrowsAsync<TelemetryStoreException>(async () => await new TelemetrySystem(Options(runtime)).DisposeAsync());

        Assert.Contains("schema version 99, newer", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
    }

    [Fact]
    public async Task Open_SecondWriterOnTheSameDirectory_ThrowsTransientLockedError()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await using var first = new TelemetrySystem(Options(runtime));

        var ex = Assert.Throws<TelemetryStoreException>(() => new TelemetrySystem(Options(runtime)));

        Assert.True(ex.IsTransient);
        Assert.Contains("only one writer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_ReadOnlyWhileAWriterRuns_ReadsWhatWasWritten()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await using var writer = new TelemetrySystem(Options(runtime));
        writer.RecordTaskFinished("T1", "agent-a", TaskOutcome.Succeeded, TimeSpan.FromSeconds(1));
        await writer.FlushAsync();

        var options = Options(runtime, sqlite: new SqliteTelemetryOptions { ReadOnly = true });
        options.WriteJsonLogs = false;
        await using var reader = new TelemetrySystem(options);
        var metrics = await reader.GetMetricsAsync(TimeRange.LastHour, "agent-a");

        Assert.Equal(1, metrics.Overall.TasksSucceeded);
        Assert.EndsWith("(read-only)", reader.StoreDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ReadOnlyWithoutDatabase_ThrowsClearError()
    {
        using var dir = new TempDirectory();
        var ex = Assert.Throws<TelemetryStoreException>(() =>
            new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions { ReadOnly = true }).Create(new TelemetryStoreContext(dir.Path, TimeProvider.System)));
        Assert.Contains("There is no telemetry database", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_Invalid_ThrowNamingTheOption()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteTelemetryStoreFactory(new SqliteTelemetryOptions { MaxDatabaseBytes = 10 }));
        Assert.Contains("MaxDatabaseBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retention_RemovesEventsAndRollupsOlderThanTheRetentionAge()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        var time = new FakeTimeProvider(Start);
        var sqlite = new SqliteTelemetryOptions { RetentionAge = TimeSpan.FromDays(1), RetentionInterval = TimeSpan.FromMinutes(1) };
        await using var telemetry = new TelemetrySystem(Options(runtime, time, sqlite));
        telemetry.RecordTaskFinished("old", "a", TaskOutcome.Succeeded, TimeSpan.FromSeconds(1));
        telemetry.RecordEffect("process:git", "git status", allowed: true);
        await telemetry.FlushAsync();

        time.Advance(TimeSpan.FromDays(2));
        telemetry.RecordTaskFinished("new", "a", TaskOutcome.Succeeded, TimeSpan.FromSeconds(1));
        await telemetry.FlushAsync();

        var all = TimeRange.Last(TimeSpan.FromDays(30));
        Assert.Equal(["new"], (await telemetry.GetEventsAsync(new EventQuery(all))).Select(e => e.TaskId));
        Assert.Equal(1, (await telemetry.GetMetricsAsync(all)).Overall.TasksFinished);
        Assert.Single(await telemetry.GetAuditEntriesAsync(all)); // Audit rows are never removed.
    }

    [Fact]
    public async Task Retention_BySize_KeepsTheDatabaseUnderTheLimit()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        var time = new FakeTimeProvider(Start);
        var sqlite = new SqliteTelemetryOptions { MaxDatabaseBytes = 1 << 20, RetentionAge = null };
        await using var telemetry = new TelemetrySystem(Options(runtime, time, sqlite));
        string filler = new('x', 300);
        for (int i = 0; i < 8_000; i++)
        {
            telemetry.Record(new TelemetryEvent { Kind = TelemetryEventKind.LimitHit, Name = filler, TaskId = $"T{i}" });
        }

        await telemetry.FlushAsync();
        time.Advance(TimeSpan.FromMinutes(2));
        telemetry.RecordTaskStarted("last");
        await telemetry.FlushAsync();

        long size = new FileInfo(Path.Combine(runtime, "database", "telemetry.db")).Length;
        Assert.InRange(size, 1, 1 << 20);
        var newest = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, limit: 1));
        Assert.Equal("last", newest[0].TaskId);
    }

    private sealed class EmptyServiceProvider : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
