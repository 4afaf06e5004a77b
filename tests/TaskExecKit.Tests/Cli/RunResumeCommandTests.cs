using System.Text.RegularExpressions;
using Xunit;

namespace TaskExecKit.Tests.Cli;

public sealed class RunResumeCommandTests
{
    private const string Plan = """{ "version": 2, "queues": [ { "name": "Q", "tasks": [ { "id": "a", "title": "A" }, { "id": "b", "title": "B", "needs": ["a"] } ] } ] }""";

    [Fact]
    public async Task Run_ThenResumeFinishedRun_SucceedsAndPrintsTheSameRunId()
    {
        using var temp = new TempDirectory();
        temp.File("plan.json", Plan);
        temp.CreateDirectory("config");
        string[] common = ["run", "--plan", "@plan.json", "--runs", "@runs", "--runtime", "@runtime", "--config", "@config"];

        var (exit, output, error) = await CliHarness.RunAsync(temp.Path, common);
        Assert.True(exit == 0, error + output);
        string runId = Regex.Match(output, @"run id: (\S+)").Groups[1].Value;
        Assert.NotEmpty(runId);
        Assert.True(File.Exists(temp.Combine("runtime", "database", "state", "runs.db")));

        var (again, againOutput, againError) = await CliHarness.RunAsync(temp.Path, [.. common, "--resume", runId]);

        Assert.True(again == 0, againError + againOutput);
        Assert.Contains("run id: " + runId, againOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ResumeUnknownRun_ExitsOneWithAClearError()
    {
        using var temp = new TempDirectory();
        temp.File("plan.json", Plan);
        temp.CreateDirectory("config");

        var (exit, _, error) = await CliHarness.RunAsync(temp.Path, "run", "--plan", "@plan.json", "--runs", "@runs", "--runtime", "@runtime", "--config", "@config", "--resume", "nope");

        Assert.Equal(1, exit);
        Assert.Contains("cannot be resumed", error, StringComparison.Ordinal);
    }
}
