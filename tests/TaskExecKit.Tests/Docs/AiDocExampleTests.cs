using TaskExecKit.AI;
using TaskExecKit.Effects;

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
}
