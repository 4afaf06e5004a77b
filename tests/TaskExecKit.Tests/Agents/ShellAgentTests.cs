using TaskExecKit.Agents;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Agents;

/// <summary>The shell agent with real processes in a temp folder, including attempts to get around the policy.</summary>
public sealed class ShellAgentTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _work;

    public ShellAgentTests() => _work = _temp.CreateDirectory("work");

    public void Dispose() => _temp.Dispose();

    private async Task<(TaskRunResult Task, string Log)> RunAsync(Action<PlanTaskBuilder> task, ShellAgentOptions? options = null, params Capability[] hostGrants)
    {
        var plan = Plan.Builder().Task("t", task).Build();
        await using var executor = TaskExecutor.Builder()
            .WorkingDirectory(_work)
            .RunsDirectory(_temp.Combine("runs"))
            .Agents(AgentRegistry.CreateDefault(options))
            .Grant(hostGrants)
            .Build();
        var result = await executor.RunAsync(plan, CancellationToken.None);
        var only = result.Tasks[0];
        return (only, File.ReadAllText(only.LogPath!));
    }

    [Fact]
    public async Task Run_GrantedCommand_StreamsOutputToTheLog()
    {
        var (task, log) = await RunAsync(t => t.Run("echo", "hello", "world").Effects(Capability.Process("echo"), Capability.FileRead(".")));

        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
        Assert.Equal(0, task.ExitCode);
        Assert.Contains("hello world", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NonZeroExit_FailsWithTheExitCode()
    {
        var (task, _) = await RunAsync(t => t.Run("false").Effects(Capability.Process("false"), Capability.FileRead(".")));

        Assert.Equal(TaskRunStatus.Failed, task.Status);
        Assert.Equal(1, task.ExitCode);
    }

    [Fact]
    public async Task Run_ProgramNotGranted_IsDeniedAndNeverStarts()
    {
        string marker = Path.Combine(_work, "marker");
        var (task, _) = await RunAsync(t => t.Run("touch", marker).Effects(Capability.Process("echo"), Capability.FileWrite(".")));

        Assert.Equal(TaskRunStatus.Denied, task.Status);
        Assert.Contains("process:", task.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Run_InTheRunsWorkingDirectory_NeedsNoFileGrant()
    {
        var (task, _) = await RunAsync(t => t.Run("true").Effects(Capability.Process("true")));

        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
    }

    [Fact]
    public async Task Run_WorkingDirectoryElsewhereNotGranted_IsDeniedAndNeverStarts()
    {
        string elsewhere = _temp.CreateDirectory("elsewhere");
        string marker = Path.Combine(elsewhere, "marker");
        var plan = Plan.Builder().Task("t", t => t.Agent("shell")).Build();
        var policy = EffectPolicy.Create([Capability.Process("touch"), Capability.FileRead(_work)], _work);
        var context = new AgentContext(plan.Tasks[0], policy, [new AgentCommand(["touch", marker], elsewhere)], TextWriter.Null, "run", _work, TimeProvider.System, null);

        var ex = await Assert.ThrowsAsync<EffectDeniedException>(async () => await new ShellAgent().RunAsync(context, CancellationToken.None));

        Assert.Equal(CapabilityKind.FileRead, ex.Capability.Kind);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Run_WorkingDirectoryThroughSymlinkOutOfTheGrant_IsDenied()
    {
        string elsewhere = _temp.CreateDirectory("elsewhere");
        string link = Path.Combine(_work, "link");
        File.CreateSymbolicLink(link, elsewhere);
        var plan = Plan.Builder().Task("t", t => t.Agent("shell")).Build();
        var policy = EffectPolicy.Create([Capability.Process("true"), Capability.FileRead(_work)], _work);
        var context = new AgentContext(plan.Tasks[0], policy, [new AgentCommand(["true"], "link")], TextWriter.Null, "run", _work, TimeProvider.System, null);

        await Assert.ThrowsAsync<EffectDeniedException>(async () => await new ShellAgent().RunAsync(context, CancellationToken.None));
    }

    [Fact]
    public async Task Run_ShellMetacharactersInArguments_ArePassedLiterallyNeverToAShell()
    {
        string marker = Path.Combine(_work, "injected");
        var (task, log) = await RunAsync(t => t.Run("echo", $"safe; touch {marker}", $"$(touch {marker})", $"`touch {marker}`", "&&", "touch", marker)
            .Effects(Capability.Process("echo"), Capability.FileRead(".")));

        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
        Assert.False(File.Exists(marker));
        Assert.Contains($"safe; touch {marker}", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ShellNotGranted_CannotBeUsedToRunAnythingElse()
    {
        var (task, _) = await RunAsync(t => t.Run("sh", "-c", "echo hi").Effects(Capability.Process("echo"), Capability.FileRead(".")));

        Assert.Equal(TaskRunStatus.Denied, task.Status);
    }

    [Fact]
    public async Task Run_SecretLookingVariables_AreStrippedUnlessGranted()
    {
        Environment.SetEnvironmentVariable("TEK_TEST_API_KEY", "leaked-key");
        Environment.SetEnvironmentVariable("TEK_TEST_TOKEN", "granted-token");
        Environment.SetEnvironmentVariable("TEK_TEST_PLAIN", "plain-value");
        try
        {
            var (task, log) = await RunAsync(t => t.Run("env").Effects(Capability.Process("env"), Capability.FileRead("."), Capability.Env("TEK_TEST_TOKEN")));

            Assert.Equal(TaskRunStatus.Succeeded, task.Status);
            Assert.DoesNotContain("leaked-key", log, StringComparison.Ordinal);
            Assert.Contains("TEK_TEST_TOKEN=granted-token", log, StringComparison.Ordinal);
            Assert.Contains("TEK_TEST_PLAIN=plain-value", log, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TEK_TEST_API_KEY", null);
            Environment.SetEnvironmentVariable("TEK_TEST_TOKEN", null);
            Environment.SetEnvironmentVariable("TEK_TEST_PLAIN", null);
        }
    }

    [Theory]
    [InlineData("GITHUB_TOKEN", true)]
    [InlineData("aws_secret_access_key", true)]
    [InlineData("DB_PASSWORD", true)]
    [InlineData("OPENAI_API_KEY", true)]
    [InlineData("NPM_CREDENTIALS", true)]
    [InlineData("HOME", false)]
    [InlineData("PATH", false)]
    public void LooksSecret_MatchesTheSecretMarkersIgnoringCase(string name, bool secret)
        => Assert.Equal(secret, SecretNames.LooksSecret(name));

    [Fact]
    public async Task Run_Timeout_KillsTheWholeProcessTree()
    {
        string pids = Path.Combine(_work, "pids");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var (task, _) = await RunAsync(t => t
            .Run("sh", "-c", $"sleep 30 & echo $! > {pids}; sleep 30")
            .Timeout(TimeSpan.FromMilliseconds(500))
            .Effects(Capability.Process("sh"), Capability.FileRead(".")));

        Assert.Equal(TaskRunStatus.TimedOut, task.Status);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
        int child = int.Parse(File.ReadAllText(pids).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        for (int i = 0; i < 50 && IsAlive(child); i++)
        {
            await Task.Delay(20);
        }

        Assert.False(IsAlive(child), $"background child {child} survived the timeout");
    }

    [Fact]
    public async Task Run_OutputOverTheCap_IsTruncatedAndTheLogSaysSo()
    {
        var options = new ShellAgentOptions { MaxLogBytes = 1000 };
        var (task, log) = await RunAsync(t => t.Run("seq", "1", "100000").Effects(Capability.Process("seq"), Capability.FileRead(".")), options);

        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
        Assert.Contains("output truncated", log, StringComparison.Ordinal);
        Assert.True(log.Length < 4000, $"log has {log.Length} characters");
    }

    [Fact]
    public async Task Run_ResourceLimits_AreAppliedThroughPrlimit()
    {
        if (!File.Exists("/usr/bin/prlimit"))
        {
            return;
        }

        var options = new ShellAgentOptions { OpenFilesLimit = 37 };
        var (task, log) = await RunAsync(t => t.Run("sh", "-c", "ulimit -n").Effects(Capability.Process("sh"), Capability.FileRead(".")), options);

        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
        Assert.Contains("37", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ExitCode75_IsTransientAndRetried()
    {
        string counter = Path.Combine(_work, "count");
        var (task, _) = await RunAsync(t => t
            .Run("sh", "-c", $"echo x >> {counter}; exit 75")
            .Retries(2)
            .Effects(Capability.Process("sh"), Capability.FileRead(".")));

        Assert.Equal(TaskRunStatus.Failed, task.Status);
        Assert.Equal(3, task.Attempts);
        Assert.Equal(3, File.ReadAllLines(counter).Length);
    }

    [Fact]
    public async Task Run_SandboxConfiguredButMissing_FailsWithoutStartingTheCommand()
    {
        if (File.Exists("/usr/bin/bwrap") || File.Exists("/bin/bwrap"))
        {
            return;
        }

        string marker = Path.Combine(_work, "ran");
        var options = new ShellAgentOptions { Sandbox = ShellSandbox.Bubblewrap };
        var (task, _) = await RunAsync(t => t.Run("touch", marker).Effects(Capability.Process("touch"), Capability.FileWrite(".")), options);

        Assert.Equal(TaskRunStatus.Failed, task.Status);
        Assert.Contains("bwrap is not installed", task.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Options_InvalidLimit_ThrowsNamingTheOption()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ShellAgent(new ShellAgentOptions { OpenFilesLimit = 0 }));

        Assert.Equal("OpenFilesLimit", ex.ParamName);
    }

    private static bool IsAlive(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        // A killed child not yet reaped by its (also killed) parent is a zombie: state Z.
        string text = File.ReadAllText(stat);
        return text[(text.LastIndexOf(')') + 2)] != 'Z';
    }
}
