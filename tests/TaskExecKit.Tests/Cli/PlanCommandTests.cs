namespace TaskExecKit.Tests.Cli;

public sealed class PlanCommandTests
{
    private const string GoodSot = """
        ## Queue A — Build
        - [ ] `TASK-001` Build
          - agent: shell
          - run: ["echo", "build"]
          - timeout: 30s
        - [ ] `TASK-002` Test
          - agent: noop
          - needs: TASK-001
        """;

    [Fact]
    public async Task Plan_GoodSot_WritesPlanJsonAndExitsZero()
    {
        using var dir = new TempDirectory();
        dir.File("sot.md", GoodSot);

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "plan", "--sot", "@sot.md", "--out", "@out/plan.json");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        Assert.Contains("2 task(s)", output, StringComparison.Ordinal);
        var plan = TaskExecKit.Planning.Plan.Load(Path.Combine(dir.Path, "out", "plan.json"));
        Assert.Equal(["TASK-001", "TASK-002"], plan.Tasks.Select(t => t.Id));
    }

    [Fact]
    public async Task Plan_SotWithoutTaskItems_WritesAnEmptyPlanButWarnsHowItWasRead()
    {
        using var dir = new TempDirectory();
        dir.File("sot.md", "## Queue A\n\n- [ ] **A-1** list files\n  - agent: noop\n");

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "plan", "--sot", "@sot.md", "--out", "@plan.json");

        Assert.Equal(0, code);
        Assert.Contains("0 task(s)", output, StringComparison.Ordinal);
        Assert.Contains("warning: ", error, StringComparison.Ordinal);
        Assert.Contains("sot.md has no tasks", error, StringComparison.Ordinal);
        Assert.Contains("read as version 1", error, StringComparison.Ordinal);
        Assert.Contains("`TASK-010`", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_Explain_PrintsLevelsCriticalPathWidthAndEstimates()
    {
        using var dir = new TempDirectory();
        dir.File("sot.md", GoodSot);

        var (code, output, _) = await CliHarness.RunAsync(dir.Path, "plan", "--sot", "@sot.md", "--out", "@plan.json", "--explain", "--max-workers", "3");

        Assert.Equal(0, code);
        Assert.Contains("Levels", output, StringComparison.Ordinal);
        Assert.Contains("TASK-001 → TASK-002", output, StringComparison.Ordinal);
        Assert.Contains("Critical path: 2 task(s), 31s", output, StringComparison.Ordinal);
        Assert.Contains("Max width: 1", output, StringComparison.Ordinal);
        Assert.Contains("← --max-workers", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_BadSot_ExitsOneListsEveryProblemAndKeepsTheOldPlan()
    {
        using var dir = new TempDirectory();
        dir.File("sot.md", "- [ ] `A-1` a\n  - needs: A-2\n  - timeout: soon\n- [ ] `A-2` b\n  - needs: A-1\n  - agent: robot\n");
        string existing = dir.File("plan.json", "{ \"the\": \"old plan\" }");

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "plan", "--sot", "@sot.md", "--out", "@plan.json");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, output);
        Assert.Contains("3 problems", error, StringComparison.Ordinal);
        Assert.Contains("sot.md:3:5: error TEK006", error, StringComparison.Ordinal);
        Assert.Contains("A-1 → A-2 → A-1", error, StringComparison.Ordinal);
        Assert.Contains("agent 'robot'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.Equal("{ \"the\": \"old plan\" }", await File.ReadAllTextAsync(existing));
    }

    [Fact]
    public async Task Plan_MissingSot_ExitsOneWithOneLine()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = await CliHarness.RunAsync(dir.Path, "plan", "--sot", "@missing.md", "--out", "@plan.json");

        Assert.Equal(1, code);
        Assert.Contains("missing.md: file not found", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir.Path, "plan.json")));
    }

    [Fact]
    public async Task Plan_NoSotOption_IsAUsageErrorWithExitOne()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = await CliHarness.RunAsync(dir.Path, "plan");

        Assert.Equal(1, code);
        Assert.Contains("--sot", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_LegacySample_GivesTheLegacyPlan()
    {
        string sample = Path.Combine(RepoRoot(), "samples", "legacy", "sot.md");
        using var dir = new TempDirectory();

        var (code, _, _) = await CliHarness.RunAsync(dir.Path, "plan", "--sot", sample, "--out", "@plan.json");

        Assert.Equal(0, code);
        var plan = TaskExecKit.Planning.Plan.Load(Path.Combine(dir.Path, "plan.json"));
        Assert.Equal(1, plan.Version);
        Assert.Equal(["Queue A — Workspace Bootstrapping", "Queue B — Platform Services", "Queue C — Delivery"], plan.Queues.Select(q => q.Name));
        Assert.Equal(["TASK-001", "TASK-002", "TASK-003", "TASK-030", "TASK-042", "TASK-055", "TASK-070"], plan.Tasks.Select(t => t.Id));
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TaskExecKit.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("The tests run outside the repository.");
    }
}

public sealed class SampleTests
{
    [Fact]
    public void SampleSot_IsAValidVersion2Plan()
    {
        var plan = TaskExecKit.Planning.Plan.FromSot(Path.Combine(PlanCommandTests.RepoRoot(), "samples", "sot.md"));

        Assert.Equal(2, plan.Version);
        Assert.True(plan.Validate().IsValid, plan.Validate().ToString());
        Assert.Contains(plan.Tasks, t => t.IsDone);
        Assert.Contains(plan.Tasks, t => t.Agent == "shell" && t.Run is not null && t.Effects.Count > 0);
    }
}

public sealed class PlanThenRunTests
{
    [Fact]
    public async Task PlanThenRun_ThroughTheCommandLine_RunsTheSampleShapeAndExitsZero()
    {
        using var dir = new TempDirectory();
        dir.File("sot.md", "## Q\n- [ ] `A-1` say\n  - run: [\"echo\", \"hi\"]\n  - effects: process:echo\n- [ ] `A-2` after\n  - agent: noop\n  - needs: A-1\n");

        var (planCode, _, planError) = await CliHarness.RunAsync(dir.Path, "plan", "--sot", "@sot.md", "--out", "@plan.json");
        var (runCode, output, runError) = await CliHarness.RunAsync(dir.Path, "run", "--plan", "@plan.json", "--runs", "@runs", "--runtime", "@runtime", "--config", "@config-none", "--max-workers", "2");

        Assert.True(planCode == 0, planError);
        Assert.Equal(1, runCode);
        Assert.Contains("config-none", runError, StringComparison.Ordinal);

        (runCode, output, runError) = await CliHarness.RunAsync(dir.Path, "run", "--plan", "@plan.json", "--runs", "@runs", "--runtime", "@runtime", "--max-workers", "2");
        Assert.True(runCode == 0, output + runError);
        Assert.Contains("run ok", output, StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(Path.Combine(dir.Path, "runs")));
    }
}
