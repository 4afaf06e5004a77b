using Microsoft.Extensions.AI;
using TaskExecKit.Agents;
using TaskExecKit.Hierarchy;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Hierarchy;

/// <summary>The files of samples/hierarchy stay valid: the sample's hierarchy runs its plan on three commanders.</summary>
public sealed class HierarchySampleTests
{
    [Fact]
    public async Task Sample_HierarchyTomlAndPlan_RunEveryTaskOnItsCommander()
    {
        string sample = Path.Combine(RepoRoot(), "samples", "hierarchy");
        var count = AIFunctionFactory.Create((string path) => path.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), "count_lines");
        ITaskAgent Tool(string path) => new ToolAgent(ToolStep.Create(count, new Dictionary<string, object?> { ["path"] = path }));
        var catalog = AgentRegistry.CreateDefault()
            .AddAI()
            .AddPooled("linecount", () => Tool("{description}"), maxSize: 2)
            .AddTools("tools", count)
            .Add("checks", () => CompositeAgent.Vote(VoteRule.Majority, 3, Tool("a"), Tool("b"), Tool("c")));

        var cecca = Cecca.Builder().Configure(Path.Combine(sample, "hierarchy.toml"), catalog).Executor(x => x.WorkingDirectory(sample)).Build();
        var result = await cecca.RunAsync(Plan.FromSot(Path.Combine(sample, "plan.md")), "sample");

        Assert.True(result.Succeeded, string.Join("; ", result.Run.Tasks));
        Assert.Equal(["build", "quality", "review"], result.Commanders.Select(c => c.Name));
        Assert.Equal("review", result.RanOn["REV-1"]);
        Assert.Equal("quality", result.RanOn["QA-3"]);
        Assert.True(result.Commanders[2].Usage.Tokens > 0);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TaskExecKit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("TaskExecKit.sln not found above the test folder.");
    }
}
