using Microsoft.Extensions.Time.Testing;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Telemetry;

public sealed class JsonLogRotationTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static TelemetryOptions Options(string runtime, FakeTimeProvider time) => new()
    {
        RuntimeDirectory = runtime,
        DiscoverStore = false,
        PersistInstrumentMeasurements = false,
        TimeProvider = time,
    };

    [Fact]
    public async Task Logs_PastMaxFileBytes_ContinueInNumberedFilesAndLoseNoLine()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(Start);
        var options = Options(dir.Path, time);
        options.Logs.MaxFileBytes = 4096;
        await using (var telemetry = new TelemetrySystem(options))
        {
            for (int i = 0; i < 300; i++)
            {
                telemetry.RecordTaskFinished($"TASK-{i:D4}", "agent-a", TaskOutcome.Succeeded, TimeSpan.FromMilliseconds(5));
                if (i % 10 == 0)
                {
                    await telemetry.FlushAsync();
                }
            }
        }

        var files = Directory.GetFiles(Path.Combine(dir.Path, "logs", "agents")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();
        Assert.Contains("telemetry-2026-11-25.jsonl", files);
        Assert.Contains("telemetry-2026-11-25.1.jsonl", files);
        Assert.All(Directory.GetFiles(Path.Combine(dir.Path, "logs", "agents")), f => Assert.True(new FileInfo(f).Length <= 4096, f));
        int lines = Directory.GetFiles(Path.Combine(dir.Path, "logs", "agents")).Sum(f => File.ReadAllLines(f).Length);
        Assert.Equal(300, lines);
    }

    [Fact]
    public async Task Logs_OlderThanRetentionAge_AreDeletedAndTheOthersKept()
    {
        using var dir = new TempDirectory();
        string system = Directory.CreateDirectory(Path.Combine(dir.Path, "logs", "system")).FullName;
        File.WriteAllText(Path.Combine(system, "telemetry-2026-11-01.jsonl"), "{}\n");
        File.WriteAllText(Path.Combine(system, "telemetry-2026-11-01.3.jsonl"), "{}\n");
        File.WriteAllText(Path.Combine(system, "telemetry-2026-11-20.jsonl"), "{}\n");
        File.WriteAllText(Path.Combine(system, "notes.txt"), "not a log");
        var time = new FakeTimeProvider(Start);
        var options = Options(dir.Path, time);
        options.Logs.RetentionAge = TimeSpan.FromDays(7);

        await using (var telemetry = new TelemetrySystem(options))
        {
            telemetry.RecordConfigurationChange("executor.max_workers", "4");
        }

        var left = Directory.GetFiles(system).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal);
        Assert.Equal(["notes.txt", "telemetry-2026-11-20.jsonl", "telemetry-2026-11-25.jsonl"], left);
    }

    [Fact]
    public async Task Logs_OverMaxTotalBytes_OldestFilesAreDeletedFirstButNeverTheOpenOne()
    {
        using var dir = new TempDirectory();
        string agents = Directory.CreateDirectory(Path.Combine(dir.Path, "logs", "agents")).FullName;
        foreach (string day in new[] { "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24" })
        {
            File.WriteAllText(Path.Combine(agents, $"telemetry-{day}.jsonl"), new string('x', 3000) + "\n");
        }

        var time = new FakeTimeProvider(Start);
        var options = Options(dir.Path, time);
        options.Logs.MaxTotalBytes = 7000;
        await using (var telemetry = new TelemetrySystem(options))
        {
            telemetry.RecordTaskStarted("TASK-001", "agent-a");
            await telemetry.FlushAsync();
        }

        var left = Directory.GetFiles(agents).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["telemetry-2026-11-23.jsonl", "telemetry-2026-11-24.jsonl", "telemetry-2026-11-25.jsonl"], left);
    }

    [Fact]
    public void LogOptions_Invalid_ThrowNamingTheOption()
    {
        using var dir = new TempDirectory();
        var options = Options(dir.Path, new FakeTimeProvider(Start));
        options.Logs.MaxFileBytes = 10;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new TelemetrySystem(options));
        Assert.Contains("Logs.MaxFileBytes", ex.Message, StringComparison.Ordinal);
    }
}
