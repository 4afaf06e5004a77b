using Microsoft.Extensions.Time.Testing;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;
using static TaskExecKit.Tests.Sqlite.SqliteTestSupport;

namespace TaskExecKit.Tests.Sqlite;

public sealed class RollupQueryTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PerMinuteAndCounts_AllAgentsRollup_EqualsTheSumOfAgentRollups(bool sqlite)
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(runtime, time, sqlite));
        await RecordAcrossMinutesAsync(telemetry, time);

        var snapshot = await telemetry.GetMetricsAsync(TimeRange.LastHour);
        var perMinute = await telemetry.GetMetricsPerMinuteAsync(TimeRange.LastHour);
        Assert.Equal(snapshot.PerMinute.Select(m => m.Minute), perMinute.Select(m => m.Minute));
        for (int i = 0; i < perMinute.Count; i++)
        {
            Assert.Equal("*", perMinute[i].Metrics.AgentId);
            Assert.Equal(snapshot.PerMinute[i].Metrics.TasksFinished, perMinute[i].Metrics.TasksFinished);
            Assert.Equal(snapshot.PerMinute[i].Metrics.TasksSucceeded, perMinute[i].Metrics.TasksSucceeded);
            Assert.Equal(snapshot.PerMinute[i].Metrics.LatencyP90, perMinute[i].Metrics.LatencyP90);
            Assert.Equal(snapshot.PerMinute[i].Metrics.CountOf(TelemetryEventKind.EffectDenied), perMinute[i].Metrics.CountOf(TelemetryEventKind.EffectDenied));
        }

        // 3 minutes x 3 agents x 4 tasks, plus a decision without an agent each minute.
        var counts = await telemetry.GetEventCountsAsync(TimeRange.LastHour);
        Assert.Equal(36, counts[TelemetryEventKind.TaskStarted]);
        Assert.Equal(36, counts[TelemetryEventKind.TaskFinished]);
        Assert.Equal(9, counts[TelemetryEventKind.EffectDenied]);
        Assert.Equal(3, counts[TelemetryEventKind.Decision]);
        Assert.False(counts.ContainsKey(TelemetryEventKind.KillSwitch));

        var agentB = await telemetry.GetMetricsPerMinuteAsync(TimeRange.LastHour, "agent-b");
        Assert.Equal(3, agentB.Count);
        Assert.All(agentB, m => Assert.Equal("agent-b", m.Metrics.AgentId));
        Assert.All(agentB, m => Assert.Equal(4, m.Metrics.TasksFinished));
        var countsB = await telemetry.GetEventCountsAsync(TimeRange.LastHour, "agent-b");
        Assert.Equal(12, countsB[TelemetryEventKind.TaskFinished]);
        Assert.False(countsB.ContainsKey(TelemetryEventKind.Decision));

        var lastMinute = await telemetry.GetMetricsPerMinuteAsync(TimeRange.Between(Start + TimeSpan.FromMinutes(2), Start + TimeSpan.FromMinutes(3)));
        Assert.Equal(MinuteRollup.MinuteOf(Start + TimeSpan.FromMinutes(2)), Assert.Single(lastMinute).Minute);
    }

    [Fact]
    public async Task Open_SchemaVersion1Database_IsMigratedAndTheAllAgentsRollupIsFilled()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        var time = new FakeTimeProvider(Start);
        await using (var telemetry = new TelemetrySystem(Options(runtime, time)))
        {
            await RecordAcrossMinutesAsync(telemetry, time);
        }

        // Turn the database back into what schema version 1 looked like.
        string path = Path.Combine(runtime, "database", "telemetry.db");
        Execute(path, """
            CREATE TABLE rollups_v1 (minute INTEGER NOT NULL, agent_id TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (minute, agent_id)) WITHOUT ROWID;
            INSERT INTO rollups_v1 SELECT minute, agent_id, data FROM rollups;
            DROP TABLE rollups; ALTER TABLE rollups_v1 RENAME TO rollups; DROP TABLE rollups_all; DROP INDEX ix_events_kind_ts;
            UPDATE schema_version SET version = 1; PRAGMA wal_checkpoint(TRUNCATE);
            """);

        var readOnly = Options(runtime, time, new SqliteTelemetryOptions { ReadOnly = true });
        readOnly.WriteJsonLogs = false;
        var ex = Assert.Throws<TelemetryStoreException>(() => new TelemetrySystem(readOnly));
        Assert.Contains("older schema", ex.Message, StringComparison.Ordinal);

        await using (var telemetry = new TelemetrySystem(Options(runtime, time)))
        {
            var perMinute = await telemetry.GetMetricsPerMinuteAsync(TimeRange.LastHour);
            Assert.Equal(3, perMinute.Count);
            Assert.All(perMinute, m => Assert.Equal(12, m.Metrics.TasksFinished));
            Assert.Equal(3, (await telemetry.GetMetricsPerMinuteAsync(TimeRange.LastHour, "agent-c")).Count);
        }

        var verification = await SqliteAuditTrail.VerifyAsync(runtime);
        Assert.True(verification.IsValid, verification.Problem);
    }

    [Fact]
    public async Task Open_SchemaVersion2Database_GetsTheKindIndexAndKeepsItsEvents()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        var time = new FakeTimeProvider(Start);
        await using (var telemetry = new TelemetrySystem(Options(runtime, time)))
        {
            await RecordAcrossMinutesAsync(telemetry, time);
        }

        string path = Path.Combine(runtime, "database", "telemetry.db");
        Execute(path, "DROP INDEX ix_events_kind_ts; UPDATE schema_version SET version = 2; PRAGMA wal_checkpoint(TRUNCATE);");

        await using (var telemetry = new TelemetrySystem(Options(runtime, time)))
        {
            var decisions = await telemetry.GetEventsAsync(new EventQuery(TimeRange.LastHour, kinds: [TelemetryEventKind.Decision], limit: 10));
            Assert.Equal(3, decisions.Count);
            Assert.All(decisions, e => Assert.Equal(TelemetryEventKind.Decision, e.Kind));
        }

        using var connection = OpenRaw(path);
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT (SELECT max(version) FROM schema_version) || ':' || (SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_events_kind_ts')";
        Assert.Equal("3:1", (string)cmd.ExecuteScalar()!);
    }

    /// <summary>
    /// The newest events of some kinds (read per kind through the kind index and merged) are exactly the
    /// newest events of those kinds among all of them, whatever the mix, the kinds asked for and the limit.
    /// </summary>
    [Fact]
    public async Task NewestOfKinds_MatchesFilteringAllEvents()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(runtime, time));
        var random = new Random(20261126);
        for (int i = 0; i < 600; i++)
        {
            string agent = "agent-" + random.Next(3);
            switch (random.Next(6))
            {
                case 0: telemetry.RecordDecision("d" + i, "why", null, agent); break;
                case 1: telemetry.RecordEffect("process:git", null, allowed: false, reason: "not granted", agentId: agent); break;
                case 2: telemetry.RecordTaskStarted("T" + i, agent); break;
                case 3: telemetry.RecordTaskFinished("T" + i, agent, TaskOutcome.Succeeded, TimeSpan.FromMilliseconds(i)); break;
                case 4: telemetry.RecordLimitHit("tasks", i, agent); break;
                default: telemetry.RecordConfigurationChange("k" + i, "v", "config/core.toml"); break;
            }

            time.Advance(TimeSpan.FromSeconds(random.Next(1, 4)));
        }

        await telemetry.FlushAsync();
        var range = TimeRange.Between(Start, time.GetUtcNow() + TimeSpan.FromSeconds(1));
        var all = await telemetry.GetEventsAsync(new EventQuery(range, limit: 10_000));
        Assert.Equal(600, all.Count);
        TelemetryEventKind[] present = [.. all.Select(e => e.Kind).Distinct()];
        for (int round = 0; round < 40; round++)
        {
            TelemetryEventKind[] kinds = [.. present.Where(_ => random.Next(2) == 0)];
            if (kinds.Length == 0)
            {
                continue;
            }

            int limit = random.Next(1, 250);
            (DateTimeOffset from, DateTimeOffset to) = round % 2 == 0 ? (Start, time.GetUtcNow() + TimeSpan.FromSeconds(1))
                : (Start + TimeSpan.FromSeconds(random.Next(300)), Start + TimeSpan.FromSeconds(300 + random.Next(600)));
            var window = TimeRange.Between(from, to);
            var expected = all.Where(e => kinds.Contains(e.Kind) && e.Timestamp >= from && e.Timestamp < to).OrderByDescending(e => e.Timestamp).Take(limit).ToList();
            var actual = await telemetry.GetEventsAsync(new EventQuery(window, kinds: kinds, limit: limit));
            Assert.Equal(expected.Select(e => (e.Timestamp, e.Kind, e.Name)), actual.Select(e => (e.Timestamp, e.Kind, e.Name)));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LatestAuditEntries_AreTheNewestOfTheRange_OldestFirst(bool sqlite)
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        var time = new FakeTimeProvider(Start);
        await using var telemetry = new TelemetrySystem(Options(runtime, time, sqlite));
        for (int i = 0; i < 40; i++)
        {
            telemetry.RecordDecision("decision-" + i, "why", null);
            time.Advance(TimeSpan.FromSeconds(10));
        }

        var all = await telemetry.GetAuditEntriesAsync(TimeRange.LastHour, 1000);
        Assert.Equal(40, all.Count);
        var latest = await telemetry.GetLatestAuditEntriesAsync(TimeRange.LastHour, 15);
        Assert.Equal(all.Skip(25).Select(e => e.Sequence), latest.Select(e => e.Sequence));
        Assert.Equal("decision-39", latest[^1].Event.Name);
        var oldestFirst = await telemetry.GetAuditEntriesAsync(TimeRange.LastHour, 15);
        Assert.Equal("decision-0", oldestFirst[0].Event.Name);

        // A range that ends before the newest entries: the newest of that range.
        var earlier = await telemetry.GetLatestAuditEntriesAsync(TimeRange.Between(Start, Start + TimeSpan.FromSeconds(100)), 3);
        Assert.Equal(["decision-7", "decision-8", "decision-9"], earlier.Select(e => e.Event.Name));
    }

    private static async Task RecordAcrossMinutesAsync(TelemetrySystem telemetry, FakeTimeProvider time)
    {
        for (int minute = 0; minute < 3; minute++)
        {
            foreach (string agent in new[] { "agent-a", "agent-b", "agent-c" })
            {
                for (int i = 0; i < 4; i++)
                {
                    telemetry.RecordTaskStarted($"T{i}", agent);
                    telemetry.RecordTaskFinished($"T{i}", agent, i == 3 ? TaskOutcome.Failed : TaskOutcome.Succeeded, TimeSpan.FromMilliseconds(10 * (i + 1)));

                    // Separate batches, so rows of the same minute are merged with what is stored.
                    await telemetry.FlushAsync();
                }

                telemetry.RecordEffect("net:example.org:443", null, allowed: false, reason: "not granted", agentId: agent);
            }

            telemetry.RecordDecision("continue", "all well", null);
            await telemetry.FlushAsync();
            time.Advance(TimeSpan.FromMinutes(1));
        }
    }
}
