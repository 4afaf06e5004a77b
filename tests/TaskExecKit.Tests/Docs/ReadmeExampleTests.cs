using TaskExecKit.Effects;
using TaskExecKit.Execution;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Docs;

/// <summary>The README's code, as a user would paste it: it must compile and do what the README says.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task UseItFromYourApp_PlansValidatesAnalyzesSavesAndRuns()
    {
        using var dir = new TempDirectory();
        string sot = dir.File("sot.md", """
            ## Queue A — Build
            - [ ] `TASK-010` Compile the solution
              - agent: shell
              - run: ["git", "--version"]
              - effects: fs.read:.
              - timeout: 5m
              - retries: 2
            """);
        var cancellationToken = CancellationToken.None;

        // --- README: Use it from your app ---
        Plan plan = Plan.FromSot(sot);
        PlanValidation check = plan.Validate();
        Assert.True(check.IsValid, check.ToString());

        PlanAnalysis analysis = plan.Analyze();
        string line = $"{analysis.CriticalPath.Count} tasks on the critical path, ~{analysis.EstimateWallTime(maxWorkers: 4)} with 4 workers";
        plan.Save(Path.Combine(dir.Path, "plan.json"));

        await using var executor = TaskExecutor.Builder()
            .MaxWorkers(4)
            .Grant(Capability.Process("git"))
            .RunsDirectory(Path.Combine(dir.Path, "runs"))
            .WorkingDirectory(dir.Path)
            .Build();
        RunResult result = await executor.RunAsync(plan, cancellationToken);

        Assert.Equal("1 tasks on the critical path, ~00:05:00 with 4 workers", line);
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Single(Directory.GetDirectories(Path.Combine(dir.Path, "runs")));
    }

    [Fact]
    public void BuildThePlanInCode_GivesTwoLevels()
    {
        Plan plan = Plan.Builder()
            .Task("build", t => t.Agent("noop"))
            .Task("test", t => t.Agent("noop").Needs("build"))
            .Build();

        Assert.Equal(2, plan.Analyze().Levels.Count);
    }
}
