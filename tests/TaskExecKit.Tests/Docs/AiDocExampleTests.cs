using TaskExecKit.Agents;
using TaskExecKit.AI;
using TaskExecKit.Configuration;
using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Docs;

/// <summary>docs/ai.md's code, as a user would paste it: it must compile and do what the page says.</summary>
public sealed class AiDocExampleTests
{
    [Fact]
    public async Task FirstExample_OfflineGitStatus_RunsGitThroughTheGrant()
    {
        using var dir = new TempDirectory();
        var cancellationToken = CancellationToken.None;

        // --- docs/ai.md: first example (BaseDirectory added to stay in the temp folder) ---
        AIAgent agent = AIAgent.Builder()
            .Provider(AIProvider.Offline)
            .Model("offline")
            .Tools(new ShellTool(), new FileTool())
            .Grant(Capability.Process("git"), Capability.FileRead("."))
            .Budget(new AgentBudget(MaxTokens: 50_000, MaxWallTime: TimeSpan.FromMinutes(5)))
            .MaxIterations(10)
            .BaseDirectory(dir.Path)
            .Build();

        AgentResponse response = await agent.RunAsync("git status", cancellationToken);

        Assert.True(response.IsCompleted, response.StopDetail);
        var call = Assert.Single(response.ToolCalls);
        Assert.Equal("shell_run", call.Name);
        Assert.Equal(ToolCallOutcome.Succeeded, call.Outcome);
        Assert.Contains("The tool shell_run returned:\nexit code", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeedExample_AnthropicWithoutItsPackageOrKey_CompilesAndBuildNamesWhatIsMissing()
    {
        var cancellationToken = CancellationToken.None;

        async Task<AgentResponse> SeedExample()
        {
            // --- docs/ai.md: "The seed example (§8.2)", verbatim ---
            AIAgent agent = AIAgent.Builder()
                .Provider(AIProvider.Anthropic)
                .Model("claude-3-sonnet")
                .Tools(new ShellTool(), new FileTool())
                .Build();
            AgentResponse response = await agent.RunAsync("Summarize the failing tests", cancellationToken);
            return response;
        }

        var ex = await Assert.ThrowsAnyAsync<InvalidOperationException>(SeedExample);
        Assert.Contains("Anthropic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OfflineRulesExample_ShowFile_ReadsItAndAnswersOtherwiseWithTheCatchAll()
    {
        using var dir = new TempDirectory();
        dir.File("todo.md", "- ship the AI core");

        AIAgent agent = AIAgent.Builder()
            .Provider(AIProvider.Offline)
            .OfflineRules(
                OfflineRule.CallTool(@"show (?<file>\S+)", "file_read", new Dictionary<string, object?> { ["path"] = "${file}" }),
                OfflineRule.Respond(".*", "I only know how to show files."))
            .Tools(new FileTool())
            .Grant(Capability.FileRead("."))
            .BaseDirectory(dir.Path)
            .Build();

        Assert.Contains("- ship the AI core", (await agent.RunAsync("show todo.md")).Text, StringComparison.Ordinal);
        Assert.Equal("I only know how to show files.", (await agent.RunAsync("what time is it?")).Text);
    }

    [Fact]
    public async Task PlanExample_AgentAiWithConfig_ReadsTheNotesThroughTheTaskGrant()
    {
        using var dir = new TempDirectory();
        dir.File("config/ai.toml", "provider = \"offline\"\nmax_iterations = 4\n");
        dir.File("notes.txt", "three tests fail in ParserTests");
        var plan = Plan.ParseSot("""
            ## Queue A — Notes
            - [ ] `DOC-1` Summarize the notes
              - agent: ai
              - effects: fs.read:.
              - description: read the file notes.txt
            """);

        // --- docs/ai.md: "In a plan: agent: ai" (paths and working directory set for the temp folder) ---
        EngineConfig config = EngineConfig.Load(dir.Combine("config"));
        await using var executor = TaskExecutor.Builder()
            .Agents(AgentRegistry.CreateDefault().AddAI(ai => ai.Configure(config.AI).MaxIterations(5)))
            .WorkingDirectory(dir.Path)
            .RunsDirectory(dir.Combine("runs"))
            .Build();

        RunResult result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.True(result.TryGetTask("DOC-1", out var task));
        Assert.Equal(TaskRunStatus.Succeeded, task.Status);
        Assert.Contains("three tests fail in ParserTests", File.ReadAllText(task.LogPath!), StringComparison.Ordinal);
    }

    [Fact]
    public void PlanExample_WithoutAddAI_IsAnUnknownAgent()
    {
        var plan = Plan.Builder().Task("DOC-1", t => t.Agent("ai").Description("hello")).Build();

        var check = plan.Validate(AgentRegistry.CreateDefault().CreateValidationOptions());

        Assert.Contains(check.Diagnostics, d => d.ToString().Contains("TEK004", StringComparison.Ordinal));
    }
}
