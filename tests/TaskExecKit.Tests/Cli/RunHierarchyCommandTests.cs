using TaskExecKit.Cli.Commands;

namespace TaskExecKit.Tests.Cli;

/// <summary><c>run --hierarchy</c>, and agent names checked the same way by <c>plan</c>, <c>run</c> and the hierarchy.</summary>
public sealed class RunHierarchyCommandTests : IDisposable
{
    private const string Plan = """
        # Build

        - [ ] `TASK-001` Compile
          - agent: noop

        # Review

        - [ ] `TASK-002` Review the change
          - agent: ai
          - description: say hello
          - needs: TASK-001
        - [ ] `TASK-003` Sign off
          - needs: TASK-002
        """;

    private const string Hierarchy = """
        name = "chief"
        split = "queue"

        [budget]
        max_tasks = 10
        max_concurrency = 2

        [[commanders]]
        name = "build"
        queues = ["Build"]
        agents = ["noop"]

        [[commanders]]
        name = "review"
        queues = ["Review"]
        agents = ["ai", "noop"]
        """;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<(int Exit, string Output, string Error)> RunAsync(string plan, string hierarchy, string planName = "plan.md")
    {
        string planPath = _temp.WriteFile(planName, plan);
        string hierarchyPath = _temp.WriteFile("hierarchy.toml", hierarchy);
        var output = new StringWriter();
        var error = new StringWriter();
        var options = new RunOptions(planPath, 2, DryRun: false, FailFast: false, _temp.Combine("config"), ConfigGiven: false, _temp.Combine("runs"), [])
        {
            HierarchyPath = hierarchyPath,
        };
        int exit = await RunCommand.RunAsync(options, output, error, interactive: false, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Run_WithHierarchy_RunsThroughTheCeccaAndPrintsEachCommandersReport()
    {
        var (exit, output, error) = await RunAsync(Plan, Hierarchy);

        Assert.True(exit == 0, output + error);
        Assert.Contains("run ok: 3 tasks", output, StringComparison.Ordinal);
        Assert.Contains("hierarchy chief: budget [", output, StringComparison.Ordinal);
        Assert.Contains("commander build: 1 assigned, 1 succeeded, 0 failed", output, StringComparison.Ordinal);
        Assert.Contains("commander review: 2 assigned, 2 succeeded, 0 failed", output, StringComparison.Ordinal);
        Assert.Contains("used 3 tasks", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    [Fact]
    public async Task Run_ThroughTheCommandLine_AcceptsHierarchy()
    {
        _temp.WriteFile("plan.md", Plan);
        _temp.WriteFile("hierarchy.toml", Hierarchy);
        _temp.CreateDirectory("config");

        var (exit, output, error) = await CliHarness.RunAsync(_temp.Path, "run", "--plan", "@plan.md", "--hierarchy", "@hierarchy.toml", "--config", "@config", "--runs", "@runs", "--runtime", "@runtime");

        Assert.True(exit == 0, output + error);
        Assert.Contains("commander review: 2 assigned", output, StringComparison.Ordinal);
        Assert.Contains("decisions: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_HierarchyNamesAnUnknownAgent_FailsListingTheRegisteredOnes()
    {
        var (exit, _, error) = await RunAsync(Plan, Hierarchy.Replace("agents = [\"noop\"]", "agents = [\"noop\", \"ghost\"]", StringComparison.Ordinal));

        Assert.Equal(1, exit);
        Assert.Contains("hierarchy.toml:", error, StringComparison.Ordinal);
        Assert.Contains("commander 'build' names agent 'ghost', which is not registered; registered agents: ai, noop, shell", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PlanNamesAnAgentNoCommanderHas_FailsAtValidationListingTheirAgents()
    {
        var (exit, output, error) = await RunAsync(Plan.Replace("agent: noop", "agent: shell", StringComparison.Ordinal), Hierarchy);

        Assert.Equal(1, exit);
        Assert.Contains("TEK004", error, StringComparison.Ordinal);
        Assert.Contains("task TASK-001 names agent 'shell', which is not registered; registered agents: ai, noop", error, StringComparison.Ordinal);
        Assert.DoesNotContain("run ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingHierarchyFile_ExitsOneNamingIt()
    {
        string planPath = _temp.WriteFile("plan.md", Plan);
        var error = new StringWriter();
        var options = new RunOptions(planPath, 2, false, false, _temp.Combine("config"), false, null, []) { HierarchyPath = _temp.Combine("nope.toml") };

        int exit = await RunCommand.RunAsync(options, new StringWriter(), error, interactive: false, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Contains("--hierarchy", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("nope.toml: the file does not exist", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BudgetOfTheCecca_StopsTheRunAndSaysWhy()
    {
        var (exit, output, _) = await RunAsync(Plan, Hierarchy.Replace("max_tasks = 10", "max_tasks = 1", StringComparison.Ordinal));

        Assert.Equal(2, exit);
        Assert.Contains("stopped: ", output, StringComparison.Ordinal);
        Assert.Contains("task budget", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_ChecksAgentNamesAsRunRegistersThem()
    {
        _temp.WriteFile("sot.md", Plan);
        _temp.WriteFile("config/agents/reviewer.toml", "kind = \"noop\"\n");
        _temp.WriteFile("ghost.md", Plan.Replace("agent: noop", "agent: ghost", StringComparison.Ordinal));

        var ok = await CliHarness.RunAsync(_temp.Path, "plan", "--sot", "@sot.md", "--out", "@plan.json", "--config", "@config");
        var bad = await CliHarness.RunAsync(_temp.Path, "plan", "--sot", "@ghost.md", "--out", "@ghost.json", "--config", "@config");

        Assert.True(ok.ExitCode == 0, ok.Output + ok.Error);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("task TASK-001 names agent 'ghost', which is not registered; registered agents: ai, noop, reviewer, shell", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AgentFromAgentsToml_IsRegisteredForAPlainRun()
    {
        _temp.WriteFile("config/agents/reviewer.toml", "kind = \"noop\"\n");
        string planPath = _temp.WriteFile("plan.md", "# Q\n\n- [ ] `TASK-001` Review\n  - agent: reviewer\n");
        var output = new StringWriter();
        var error = new StringWriter();
        var options = new RunOptions(planPath, 2, false, false, _temp.Combine("config"), true, _temp.Combine("runs"), []);

        int exit = await RunCommand.RunAsync(options, output, error, interactive: false, CancellationToken.None);

        Assert.True(exit == 0, output + error.ToString());
        Assert.Contains("run ok: 1 tasks", output.ToString(), StringComparison.Ordinal);
    }
}
