using TaskExecKit.Autonomous;

namespace TaskExecKit.Tests.Autonomous;

public sealed class AutonomousControlTests
{
    [Fact]
    public async Task GetStatusAsync_NoEngineEverRan_ReturnsNull()
    {
        using var dir = new TempDirectory();
        var control = new AutonomousControl(dir.Combine("runtime"));
        Assert.Null(await control.GetStatusAsync());
        Assert.Empty(await control.GetPendingApprovalsAsync());
    }

    [Fact]
    public async Task KillAsync_WritesKillFileWithReason()
    {
        using var dir = new TempDirectory();
        var control = new AutonomousControl(dir.Combine("runtime"));
        await control.KillAsync("operator said so\nsecond line");
        string kill = dir.Combine("runtime", "state", "KILL");
        Assert.True(File.Exists(kill));
        Assert.Equal("operator said so second line", AutonomousStateFiles.ReadKillReason(kill));
        Assert.Empty(Directory.GetFiles(dir.Combine("runtime", "state"), "*.tmp-*"));
    }

    [Fact]
    public async Task RequestStopAsync_WritesStopFile()
    {
        using var dir = new TempDirectory();
        var control = new AutonomousControl(dir.Combine("runtime"));
        await control.RequestStopAsync(graceful: true);
        Assert.StartsWith("graceful", File.ReadAllText(dir.Combine("runtime", "state", "STOP")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approvals_PendingUntilDecided_FirstDecisionWins()
    {
        using var dir = new TempDirectory();
        var files = new AutonomousStateFiles(dir.Combine("runtime"));
        var book = new ApprovalBook(files, TimeProvider.System);
        var first = book.Request("approval", "run 3 tasks", timeout: null);
        var second = book.Request("verification", "quorum split", timeout: TimeSpan.FromMinutes(5));
        var control = new AutonomousControl(files.Root);

        var pending = await control.GetPendingApprovalsAsync();
        Assert.Equal(new[] { first.Id, second.Id }.Order(StringComparer.Ordinal), pending.Select(p => p.Id).Order(StringComparer.Ordinal));
        Assert.Equal("run 3 tasks", pending.Single(p => p.Id == first.Id).Summary);

        await control.ApproveAsync(first.Id, "alice");
        var again = await Assert.ThrowsAsync<AutonomousException>(() => control.RejectAsync(first.Id, "bob", "too late"));
        Assert.Contains("already decided", again.Message, StringComparison.Ordinal);
        Assert.Equal([second.Id], (await control.GetPendingApprovalsAsync()).Select(p => p.Id));

        var decision = await book.WaitAsync(first, TimeSpan.FromMilliseconds(10), CancellationToken.None);
        Assert.True(decision.Approved);
        Assert.Equal("alice", decision.DecidedBy);

        await control.RejectAsync(second.Id, "bob", "no");
        var rejected = await book.WaitAsync(second, TimeSpan.FromMilliseconds(10), CancellationToken.None);
        Assert.False(rejected.Approved);
        Assert.Equal("no", rejected.Reason);
    }

    [Fact]
    public async Task Approvals_RacingDecisions_ExactlyOneWins()
    {
        using var dir = new TempDirectory();
        var files = new AutonomousStateFiles(dir.Combine("runtime"));
        var approval = new ApprovalBook(files, TimeProvider.System).Request("approval", "x", null);
        var control = new AutonomousControl(files.Root);
        var attempts = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            try
            {
                if (i % 2 == 0)
                {
                    await control.ApproveAsync(approval.Id, "a" + i);
                }
                else
                {
                    await control.RejectAsync(approval.Id, "r" + i, null);
                }

                return true;
            }
            catch (AutonomousException)
            {
                return false;
            }
        })).ToArray();
        bool[] results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task Approvals_NoHumanBeforeTimeout_DefaultDeny()
    {
        using var dir = new TempDirectory();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var files = new AutonomousStateFiles(dir.Combine("runtime"));
        var book = new ApprovalBook(files, time);
        var approval = book.Request("approval", "x", TimeSpan.FromSeconds(30));
        var wait = book.WaitAsync(approval, TimeSpan.FromSeconds(1), CancellationToken.None);
        for (int i = 0; i < 40 && !wait.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        var decision = await wait;
        Assert.False(decision.Approved);
        Assert.Equal("engine", decision.DecidedBy);
        await Assert.ThrowsAsync<AutonomousException>(() => new AutonomousControl(files.Root).ApproveAsync(approval.Id, "late"));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/b")]
    [InlineData("nope")]
    public async Task ApproveAsync_UnknownOrUnsafeId_ThrowsAutonomousException(string id)
    {
        using var dir = new TempDirectory();
        var control = new AutonomousControl(dir.Combine("runtime"));
        await Assert.ThrowsAsync<AutonomousException>(() => control.ApproveAsync(id, "me"));
    }

    [Fact]
    public async Task GetStatusAsync_ReadsWhatTheEngineWrites()
    {
        using var dir = new TempDirectory();
        var files = new AutonomousStateFiles(dir.Combine("runtime"));
        var status = new AutonomousStatus
        {
            Phase = AutonomousPhase.Gates,
            Iteration = 3,
            LastScore = 0.75,
            Scores = [new IterationScore(1, 0.5), new IterationScore(2, 0.75)],
            LimitsUsed = [new LimitUsage("max_iterations", 3, 5)],
            Running = true,
            UpdatedAt = DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
        };
        AutonomousStateFiles.WriteJsonAtomic(files.StatusFile, status, AutonomousJsonContext.Default.AutonomousStatus);
        var read = await new AutonomousControl(files.Root).GetStatusAsync();
        Assert.NotNull(read);
        Assert.Equal(AutonomousPhase.Gates, read.Phase);
        Assert.Equal(3, read.Iteration);
        Assert.Equal(2, read.Scores.Count);
        Assert.Equal(0.6, read.LimitsUsed[0].Fraction, 3);
        Assert.Contains("\"gates\"", File.ReadAllText(files.StatusFile), StringComparison.OrdinalIgnoreCase);
    }
}
