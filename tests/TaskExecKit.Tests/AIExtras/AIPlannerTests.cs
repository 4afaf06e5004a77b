using TaskExecKit.AI;
using TaskExecKit.Tests.Cli;
using TaskExecKit.Testing;

namespace TaskExecKit.Tests.AIExtras;

public sealed class AIPlannerTests
{
    [Theory]
    [InlineData("Set up continuous integration for this repository", "CI-030")]
    [InlineData("Prepare the 2.0 release", "REL-040")]
    [InlineData("Run the tests", "TEST-020")]
    [InlineData("Write a haiku about queues", "PLAN-030")]
    public async Task PlanAsync_OfflineSampleGoals_GiveValidPlans(string goal, string lastTask)
    {
        AIAgent agent = AIAgent.Builder().Provider(AIProvider.Offline).OfflineRules([.. AIPlanner.OfflineRules]).Build();

        PlannerResult result = await new AIPlanner(agent).PlanAsync(goal);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(1, result.Attempts);
        Assert.Equal(lastTask, result.Plan!.Tasks[^1].Id);
        Assert.True(TaskExecKit.Planning.Plan.ParseSot(result.Markdown).Validate().IsValid);
    }

    [Fact]
    public async Task PlanAsync_InvalidThenValid_AsksAgainWithTheValidatorsProblems()
    {
        var model = new ScriptedChatClient()
            .ReplyWith("""
                ## Queue A — Work
                - [ ] `W-1` First
                  - needs: W-9
                """)
            .ReplyWith("""
                ```markdown
                ## Queue A — Work
                - [ ] `W-1` First
                  - agent: noop
                ```
                """);
        AIAgent agent = AIAgent.Builder().ChatClient(model).Build();

        PlannerResult result = await new AIPlanner(agent).PlanAsync("do the work");

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(2, result.Attempts);
        Assert.StartsWith("## Queue A — Work", result.Markdown, StringComparison.Ordinal);
        string again = model.Requests[1].LastUserText;
        Assert.StartsWith("Goal: do the work", again, StringComparison.Ordinal);
        Assert.Contains("TEK002", again, StringComparison.Ordinal);
        Assert.Contains(model.Requests[0].Messages, m => m.Role == Microsoft.Extensions.AI.ChatRole.System && m.Text.Contains("sot.md version 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanAsync_NeverValid_ReturnsTheProblemsAfterTheAttempts()
    {
        var model = new ScriptedChatClient { RepeatLastStep = true }.ReplyWith("Sure! Step one: think.");
        AIAgent agent = AIAgent.Builder().ChatClient(model).MaxAnswerAttempts(2).Build();

        PlannerResult result = await new AIPlanner(agent).PlanAsync("do the work");

        Assert.False(result.IsValid);
        Assert.Null(result.Plan);
        Assert.Equal(2, result.Attempts);
        Assert.Contains("not sot.md version 2", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_PlanGoal_Offline_WritesSotAndPlanJson()
    {
        using var dir = new TempDirectory();

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "plan", "--goal", "Set up continuous integration", "--sot", "@sot.md", "--out", "@plan.json", "--config", "@config");

        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        Assert.Contains("Planned with offline/offline in 1 answer(s)", output, StringComparison.Ordinal);
        Assert.Contains("3 task(s)", output, StringComparison.Ordinal);
        Assert.Contains("`CI-020` Build in Release", File.ReadAllText(dir.Combine("sot.md")), StringComparison.Ordinal);
        Assert.Equal(["CI-010", "CI-020", "CI-030"], TaskExecKit.Planning.Plan.Load(dir.Combine("plan.json")).Tasks.Select(t => t.Id));
    }

    [Fact]
    public async Task Cli_PlanGoal_ExistingSot_IsNotOverwritten()
    {
        using var dir = new TempDirectory();
        dir.File("sot.md", "mine");

        var (code, _, error) = await CliHarness.RunAsync(dir.Path, "plan", "--goal", "release", "--sot", "@sot.md", "--out", "@plan.json");

        Assert.Equal(1, code);
        Assert.Contains("does not overwrite a source of truth", error, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(dir.Combine("sot.md")));
    }

    [Fact]
    public async Task Cli_PlanGoal_ProviderWithoutPackage_SaysSoWithoutAStackTrace()
    {
        using var dir = new TempDirectory();
        dir.File("config/ai.toml", "provider = \"anthropic\"\n");

        var (code, _, error) = await CliHarness.RunAsync(dir.Path, "plan", "--goal", "release", "--sot", "@sot.md", "--out", "@plan.json", "--config", "@config");

        Assert.Equal(1, code);
        Assert.StartsWith("task-exec-kit: error: the AI provider is not usable:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("sot.md")));
    }

    [Fact]
    public async Task Cli_PlanWithoutSotOrGoal_SaysWhichToGive()
    {
        using var dir = new TempDirectory();

        var (code, _, error) = await CliHarness.RunAsync(dir.Path, "plan");

        Assert.Equal(1, code);
        Assert.Contains("--sot <file>", error, StringComparison.Ordinal);
    }
}
