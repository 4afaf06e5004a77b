using System.Diagnostics;
using System.Text.Json;
using TaskExecKit.Autonomous;
using TaskExecKit.Planning;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Autonomous;

/// <summary>Kill switches, approval, verification quorum and rollback with real processes and files.</summary>
public sealed class AutonomousSafetyTests(Xunit.Abstractions.ITestOutputHelper log)
{
    // Generous bounds: the machine is loaded; the tight figures are measured in the benchmarks.
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("file")]
    [InlineData("api")]
    [InlineData("stop")]
    public async Task KillSwitch_UnderLoad_CancelsRunningWork_AndKillsTheChildProcessTree(string how)
    {
        string marker = "61." + Random.Shared.Next(100000, 999999);
        await using var h = new EngineHarness("max_iterations = 100", grants: "process = [\"sh\", \"sleep\"]");
        var plan = Plan.Builder()
            .Task("sleepy", t => t.Agent("shell").Run("sh", "-c", $"sleep {marker} & sleep {marker}; wait").Effects(TaskExecKit.Effects.Capability.Process("sh")))
            .Build();
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o => { o.GoalPlan = plan; o.Checkpoints = false; }));

        using var load = new CancellationTokenSource();
        var burners = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Run(() =>
        {
            while (!load.IsCancellationRequested)
            {
                Thread.SpinWait(1000);
            }
        })).ToArray();
        try
        {
            await engine.StartHootlLoopAsync();
            await WaitUntilAsync(() => Sleepers(marker) >= 2, TimeSpan.FromSeconds(60));
            Assert.Equal(AutonomousPhase.Run, engine.Status.Phase);

            var clock = Stopwatch.StartNew();
            switch (how)
            {
                case "file":
                    await h.Control.KillAsync("test kill");
                    break;
                case "api":
                    engine.Kill("test kill");
                    break;
                default:
                    await h.Control.RequestStopAsync(graceful: false);
                    break;
            }

            var final = await engine.Completion.WaitAsync(Generous);
            var stopped = clock.Elapsed;
            await WaitUntilAsync(() => Sleepers(marker) == 0, Generous);
            log.WriteLine($"{how}: loop ended {stopped.TotalMilliseconds:0} ms after the switch, child processes gone by {clock.Elapsed.TotalMilliseconds:0} ms (CPU saturated)");
            Assert.True(stopped < Generous, $"stopped after {stopped}");
            Assert.Equal(0, Sleepers(marker));
            Assert.Equal(1, final.Iteration);
            Assert.False(final.Running);
            if (how != "stop")
            {
                Assert.Contains("kill switch", final.StopReason, StringComparison.Ordinal);
                Assert.Contains(await h.EventsAsync(TelemetryEventKind.KillSwitch), e => e.Reason!.Contains("test kill", StringComparison.Ordinal));
            }
        }
        finally
        {
            load.Cancel();
            await Task.WhenAll(burners);
        }
    }

    [Fact]
    public async Task RequireApproval_NoHuman_DefaultDeny_NothingRuns()
    {
        await using var h = new EngineHarness("max_iterations = 2\nmax_consecutive_failures = 10", requireApproval: true);
        var run = new CountingRunPhase();
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o =>
        {
            o.ApprovalTimeout = TimeSpan.FromMilliseconds(300);
            o.Checkpoints = false;
            o.ConfigurePhases = p => p.Run = run;
        }));
        var final = await engine.RunHootlLoopAsync();
        Assert.Equal(0, run.Calls);
        var record = JsonDocument.Parse((await h.DecisionsAsync())[0].Detail!).RootElement;
        Assert.Contains("default deny", record.GetProperty("blocked").GetString(), StringComparison.Ordinal);
        Assert.Empty(await h.Control.GetPendingApprovalsAsync());
    }

    [Fact]
    public async Task RequireApproval_HumanApprovesThroughTheControl_Runs()
    {
        await using var h = new EngineHarness("max_iterations = 1", requireApproval: true);
        var run = new CountingRunPhase();
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o =>
        {
            o.Checkpoints = false;
            o.ConfigurePhases = p => p.Run = run;
        }));
        await engine.StartHootlLoopAsync();
        IReadOnlyList<PendingApproval> pending = [];
        await WaitUntilAsync(async () => (pending = await h.Control.GetPendingApprovalsAsync()).Count == 1, TimeSpan.FromSeconds(60));
        Assert.Equal("approval", pending[0].Gate);
        await h.Control.ApproveAsync(pending[0].Id, "tester");
        await engine.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, run.Calls);
        var record = JsonDocument.Parse((await h.DecisionsAsync())[0].Detail!).RootElement;
        Assert.Contains(record.GetProperty("gates").EnumerateArray(), g => g.GetProperty("gate").GetString() == "approval" && g.GetProperty("reason").GetString()!.Contains("tester", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verification_Disagreement_BlocksAndIsRecorded()
    {
        await using var h = new EngineHarness("max_iterations = 1");
        var run = new CountingRunPhase();
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o =>
        {
            o.VerifierChatClient = new RejectAll();
            o.Checkpoints = false;
            o.ConfigurePhases = p => p.Run = run;
        }));
        await engine.RunHootlLoopAsync();
        Assert.Equal(0, run.Calls);
        var record = JsonDocument.Parse((await h.DecisionsAsync())[0].Detail!).RootElement;
        string blocked = record.GetProperty("blocked").GetString()!;
        Assert.Contains("2 of 3 verifiers approve (quorum 3), disagreement", blocked, StringComparison.Ordinal);
        Assert.Contains("model rejects", blocked, StringComparison.Ordinal);
        Assert.Contains(await h.EventsAsync(TelemetryEventKind.Decision), e => e.Name == "autonomous.verification.disagreement");
    }

    [Fact]
    public async Task Verification_QuorumTwo_DisagreementRecordedButPasses()
    {
        await using var h = new EngineHarness("max_iterations = 1");
        var run = new CountingRunPhase();
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o =>
        {
            o.VerifierChatClient = new RejectAll();
            o.VerificationQuorum = 2;
            o.Checkpoints = false;
            o.ConfigurePhases = p => p.Run = run;
        }));
        await engine.RunHootlLoopAsync();
        Assert.Equal(1, run.Calls);
        Assert.Contains(await h.EventsAsync(TelemetryEventKind.Decision), e => e.Name == "autonomous.verification.disagreement");
    }

    [Fact]
    public async Task ScoreRegression_RestoresTheCheckpoint_AndRollbackToRestoresAnEarlierOne()
    {
        await using var h = new EngineHarness("max_iterations = 2\nmax_error_rate = 1.0", grants: "fs_write = [\"data\"]");
        string file = Path.Combine(h.Root, "data", "state.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "original");
        var plan = Plan.Builder().Task("write", t => t.Agent("noop").Effects(TaskExecKit.Effects.Capability.FileWrite("data"))).Build();
        var run = new CountingRunPhase(it =>
        {
            File.WriteAllText(file, $"written by iteration {it.Number}");
            File.WriteAllText(Path.Combine(h.Root, "data", "new.txt"), "new");
            return it.Number == 1 ? new IterationOutcome(1, 1, 0, "ok") : new IterationOutcome(1, 0, 1, "broke it");
        });
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o =>
        {
            o.GoalPlan = plan;
            o.VerificationQuorum = 0;
            o.ConfigurePhases = p => { p.Verifiers.Clear(); p.Run = run; };
        }));
        await engine.RunHootlLoopAsync();

        Assert.Equal("written by iteration 1", File.ReadAllText(file));
        var second = JsonDocument.Parse((await h.DecisionsAsync())[1].Detail!).RootElement;
        Assert.Contains("regressed", second.GetProperty("rollback").GetString(), StringComparison.Ordinal);

        var checkpoints = await h.Control.GetCheckpointsAsync();
        Assert.Equal(2, checkpoints.Count);
        Assert.Contains(checkpoints[0].Paths, p => p.EndsWith("data", StringComparison.Ordinal));
        await h.Control.RollbackAsync(checkpoints[0].Id);
        Assert.Equal("original", File.ReadAllText(file));
        Assert.False(File.Exists(Path.Combine(h.Root, "data", "new.txt")));
    }

    private static int Sleepers(string marker)
    {
        int count = 0;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.StartsWith("sleep ", StringComparison.Ordinal) && cmdline.Contains(marker, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return count;
    }

    private static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout) => WaitUntilAsync(() => Task.FromResult(condition()), timeout);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"condition not met within {timeout}");
            }

            await Task.Delay(20);
        }
    }

    private sealed class RejectAll : Microsoft.Extensions.AI.IChatClient
    {
        public Task<Microsoft.Extensions.AI.ChatResponse> GetResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default)
            => Task.FromResult(new Microsoft.Extensions.AI.ChatResponse(new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.Assistant, "reject: looks risky")));

        public IAsyncEnumerable<Microsoft.Extensions.AI.ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, Microsoft.Extensions.AI.ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
