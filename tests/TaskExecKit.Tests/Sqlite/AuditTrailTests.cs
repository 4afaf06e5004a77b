using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;
using TaskExecKit.Sqlite;
using TaskExecKit.Telemetry;
using static TaskExecKit.Tests.Sqlite.SqliteTestSupport;

namespace TaskExecKit.Tests.Sqlite;

public sealed class AuditTrailTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Verify_UntouchedTrail_IsValid()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await WriteAuditTrailAsync(runtime, 30);

        var result = await SqliteAuditTrail.VerifyAsync(runtime);

        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(30, result.RowsChecked);
        Assert.Equal(30, result.HeadSequence);
    }

    [Fact]
    public async Task Verify_RowChangedWithSql_NamesThatRow()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await WriteAuditTrailAsync(runtime, 30);
        Execute(Path.Combine(runtime, "database", "audit.db"), "UPDATE audit SET reason = 'granted' WHERE seq = 17");

        var result = await SqliteAuditTrail.VerifyAsync(runtime);

        Assert.False(result.IsValid);
        Assert.Equal(17, result.FirstBadSequence);
        Assert.Contains("row 17", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_RowDeletedFromTheMiddle_NamesTheGap()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await WriteAuditTrailAsync(runtime, 30);
        Execute(Path.Combine(runtime, "database", "audit.db"), "DELETE FROM audit WHERE seq = 12");

        var result = await SqliteAuditTrail.VerifyAsync(runtime);

        Assert.Equal(12, result.FirstBadSequence);
    }

    [Fact]
    public async Task Verify_TailTruncated_IsDetectedThroughTheExternalHead()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await WriteAuditTrailAsync(runtime, 30);
        // A consistent prefix: every remaining row still chains correctly.
        Execute(Path.Combine(runtime, "database", "audit.db"), "DELETE FROM audit WHERE seq > 20");

        var result = await SqliteAuditTrail.VerifyAsync(runtime);

        Assert.False(result.IsValid);
        Assert.Equal(21, result.FirstBadSequence);
        Assert.Contains("truncated", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_AfterTruncation_RefusesToWriteAndLeavesTheDatabaseAlone()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await WriteAuditTrailAsync(runtime, 10);
        string audit = Path.Combine(runtime, "database", "audit.db");
        Execute(audit, "DELETE FROM audit WHERE seq > 5; PRAGMA wal_checkpoint(TRUNCATE);");
        byte[] before = File.ReadAllBytes(audit);

        var ex = Assert.Throws<TelemetryStoreException>(() => new TelemetrySystem(Options(runtime)));

        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(audit));
    }

    [Fact]
    public async Task Verify_WholeDatabaseReplacedByAFreshOne_IsDetected()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await WriteAuditTrailAsync(runtime, 10);
        string head = File.ReadAllText(Path.Combine(runtime, "state", "audit.head"));
        Directory.Delete(Path.Combine(runtime, "database"), recursive: true);
        File.Delete(Path.Combine(runtime, "state", "audit.head"));
        await WriteAuditTrailAsync(runtime, 10, new FakeTimeProvider(Start.AddDays(1)));
        File.WriteAllText(Path.Combine(runtime, "state", "audit.head"), head); // The attacker cannot reach the external head.

        var result = await SqliteAuditTrail.VerifyAsync(runtime);

        Assert.False(result.IsValid);
        Assert.Contains("rewritten", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_HeadCannotBeWritten_BatchStillCountsAsPersistedAndTheHeadCatchesUpLater()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await using var telemetry = new TelemetrySystem(Options(runtime));
        string blocker = Path.Combine(runtime, "state", "audit.head.tmp");
        Directory.CreateDirectory(blocker); // The head is written through this temp name: make that fail.

        telemetry.RecordDecision("first", "why", null);
        await telemetry.FlushAsync();
        Assert.Equal(new TelemetryCounters(1, 1, 0, 0), telemetry.Counters);

        Directory.Delete(blocker);
        telemetry.RecordDecision("second", "why", null);
        await telemetry.FlushAsync();

        var result = await SqliteAuditTrail.VerifyAsync(runtime);
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(2, result.HeadSequence);
    }

    [Fact]
    public async Task Verify_SingleByteFlipsInsideAuditRows_AreAllDetected()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        await WriteAuditTrailAsync(runtime, 300);
        string audit = Path.Combine(runtime, "database", "audit.db");
        string head = Path.Combine(runtime, "state", "audit.head");
        Assert.False(File.Exists(audit + "-wal") && new FileInfo(audit + "-wal").Length > 0, "the WAL must be checkpointed into the file");
        byte[] original = File.ReadAllBytes(audit);
        var cells = AuditCellRanges(audit);
        Assert.True(cells.Count >= 300, $"expected a cell per row, found {cells.Count}");

        var random = new Random(20261125);
        int detectedByChain = 0, unreadable = 0;
        for (int i = 0; i < 400; i++)
        {
            var (start, length) = cells[random.Next(cells.Count)];
            int offset = start + random.Next(length);
            byte[] copy = (byte[])original.Clone();
            copy[offset] ^= (byte)random.Next(1, 256);

            using var target = new TempDirectory();
            Directory.CreateDirectory(Path.Combine(target.Path, "database"));
            Directory.CreateDirectory(Path.Combine(target.Path, "state"));
            File.WriteAllBytes(Path.Combine(target.Path, "database", "audit.db"), copy);
            File.Copy(head, Path.Combine(target.Path, "state", "audit.head"));
            try
            {
                var result = await SqliteAuditTrail.VerifyAsync(target.Path);
                Assert.False(result.IsValid, $"flip at byte {offset} (0x{original[offset]:x2} -> 0x{copy[offset]:x2}) was not detected");
                detectedByChain++;
            }
            catch (TelemetryStoreException ex)
            {
                Assert.Contains("audit.db", ex.Message, StringComparison.Ordinal);
                unreadable++;
            }
        }

        Assert.Equal(400, detectedByChain + unreadable);
        output.WriteLine($"{cells.Count} cells; 400 flips: {detectedByChain} reported by verify, {unreadable} made the database unreadable");
    }

    [Fact]
    public async Task Canaries_SecretsNeverReachTheDatabaseWalOrLogs()
    {
        using var dir = new TempDirectory();
        string runtime = Path.Combine(dir.Path, "runtime");
        string envName = "TEK_TEST_DEPLOY_" + Guid.NewGuid().ToString("N")[..8];
        const string envCanary = "canary-env-3f9a1c77";
        const string literalCanary = "canary-literal-b81e";
        const string promptCanary = "canary-prompt-text-55d0";
        const string apiKeyCanary = "sk-ant-api03-CANARYCANARYCANARY12345";
        Environment.SetEnvironmentVariable(envName, envCanary);
        try
        {
            var options = Options(runtime);
            options.Redaction.SecretEnvironmentVariables.Add(envName);
            options.Redaction.SecretValues.Add(literalCanary);
            await using (var telemetry = new TelemetrySystem(options))
            {
                telemetry.RecordEffect("env:" + envName, $"value={envCanary}", allowed: true, agentId: "agent-a", taskId: "T1");
                telemetry.RecordDecision("call api", $"key {apiKeyCanary}", $"inputs: {literalCanary}", "agent-a");
                telemetry.RecordModelCall("agent-a", "model-x", 120, 0.01, $"user: {promptCanary}");
                telemetry.RecordConfigurationChange("ai.api_key", apiKeyCanary);
                telemetry.RecordTaskFinished($"T-{literalCanary}", "agent-a", TaskOutcome.Failed, TimeSpan.FromSeconds(1));
                await telemetry.FlushAsync();

                // While the system is open the rows may still sit in the WAL: search it too.
                AssertNoCanary(runtime, envCanary, literalCanary, promptCanary, apiKeyCanary);
            }

            AssertNoCanary(runtime, envCanary, literalCanary, promptCanary, apiKeyCanary);
            var verification = await SqliteAuditTrail.VerifyAsync(runtime);
            Assert.True(verification.IsValid, verification.Problem);
        }
        finally
        {
            Environment.SetEnvironmentVariable(envName, null);
        }
    }

    private static void AssertNoCanary(string runtime, params string[] canaries)
    {
        var files = Directory.GetFiles(runtime, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("telemetry.db-wal", StringComparison.Ordinal) || f.EndsWith("telemetry.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".jsonl", StringComparison.Ordinal));
        foreach (string file in files.Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            byte[] content;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                content = new byte[stream.Length];
                stream.ReadExactly(content);
            }

            foreach (string canary in canaries)
            {
                Assert.True(content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(canary)) < 0, $"{canary} found in {file}");
                Assert.True(content.AsSpan().IndexOf(Encoding.Unicode.GetBytes(canary)) < 0, $"{canary} (UTF-16) found in {file}");
            }
        }
    }

    /// <summary>
    /// The byte ranges of every cell (one per row: payload length, rowid and the record) on the leaf pages of
    /// the audit table's b-tree, read from the SQLite file format.
    /// </summary>
    private static List<(int Start, int Length)> AuditCellRanges(string path)
    {
        int root;
        using (var connection = OpenRaw(path))
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = 'audit'";
            root = Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        byte[] file = File.ReadAllBytes(path);
        int pageSize = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(16));
        pageSize = pageSize == 1 ? 65536 : pageSize;
        var cells = new List<(int, int)>();
        var pages = new Stack<int>();
        pages.Push(root);
        while (pages.Count > 0)
        {
            int page = pages.Pop();
            int pageStart = (page - 1) * pageSize;
            int header = pageStart + (page == 1 ? 100 : 0);
            byte type = file[header];
            int cellCount = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(header + 3));
            int pointers = header + (type == 0x05 ? 12 : 8);
            if (type == 0x05)
            {
                pages.Push((int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(header + 8)));
            }

            for (int c = 0; c < cellCount; c++)
            {
                int cell = pageStart + BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(pointers + (2 * c)));
                if (type == 0x05)
                {
                    pages.Push((int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(cell)));
                    continue;
                }

                Assert.Equal(0x0D, type);
                int at = cell;
                long payload = ReadVarint(file, ref at);
                ReadVarint(file, ref at); // rowid
                Assert.True(payload < pageSize - 35, "rows are small enough to have no overflow pages");
                cells.Add((cell, at - cell + (int)payload));
            }
        }

        return cells;
    }

    private static long ReadVarint(byte[] data, ref int at)
    {
        long value = 0;
        for (int i = 0; i < 9; i++)
        {
            byte b = data[at++];
            if (i == 8)
            {
                return (value << 8) | b;
            }

            value = (value << 7) | (long)(b & 0x7F);
            if (b < 0x80)
            {
                return value;
            }
        }

        return value;
    }
}
