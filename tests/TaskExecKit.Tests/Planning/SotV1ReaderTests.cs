using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

public sealed class SotV1ReaderTests
{
    private const string Legacy = """
        # Title
        - Tasks: `TASK-900` before the section is not read

        ### G. Execution Queue & Task Hooks

        1. **Queue A — Workspace Bootstrapping**
           - Goal: prose is ignored `TASK-901`
           - Tasks: `TASK-001`, `TASK-002`, `TASK-21`, `TASK-0022`
        2. **Queue B — Platform**
           - Tasks: `TASK-030` `TASK-042`, TASK-043, `TASK-054`
        #### a sub-heading does not stop reading
        ### G. Another G heading does not stop reading either
        10. **Queue C — Delivery**  
           - Tasks: `TASK-062`
        ### H. Next section
        3. **Queue D — Never read**
           - Tasks: `TASK-100`
        """;

    [Fact]
    public void ParseSot_LegacySection_ReadsQueuesTasksAndLayersExactly()
    {
        var plan = Plan.ParseSot(Legacy, "sot.md");

        Assert.Equal(1, plan.Version);
        Assert.Equal(["Queue A — Workspace Bootstrapping", "Queue B — Platform", "Queue C — Delivery"], plan.Queues.Select(q => q.Name));
        Assert.Equal(["TASK-001", "TASK-002", "TASK-0022"], plan.Queues[0].Tasks.Select(t => t.Id));
        Assert.Equal(["TASK-030", "TASK-042", "TASK-054"], plan.Queues[1].Tasks.Select(t => t.Id));
        Assert.Equal(["TASK-062"], plan.Queues[2].Tasks.Select(t => t.Id));
        Assert.All(plan.Tasks, t => Assert.Equal(t.Id, t.Title));
        Assert.Equal(["foundation", "foundation", "orchestration", "platform", "services", "monitoring", "execution"], plan.Tasks.Select(t => t.Layer));
        Assert.True(plan.Validate().IsValid);
    }

    [Theory]
    [InlineData(1, "foundation")]
    [InlineData(21, "foundation")]
    [InlineData(22, "orchestration")]
    [InlineData(29, "orchestration")]
    [InlineData(30, "platform")]
    [InlineData(41, "platform")]
    [InlineData(42, "services")]
    [InlineData(53, "services")]
    [InlineData(54, "monitoring")]
    [InlineData(61, "monitoring")]
    [InlineData(62, "execution")]
    [InlineData(0, "execution")]
    [InlineData(999999, "execution")]
    public void ParseSot_TaskNumber_GivesTheLegacyDefaultLayer(int number, string layer)
    {
        string id = $"TASK-{number:000}";
        var plan = Plan.ParseSot($"### G. Execution Queue & Task Hooks\n1. **Queue A — X**\n- Tasks: `{id}`\n");

        Assert.Equal(layer, Assert.Single(plan.Tasks).Layer);
    }

    [Theory]
    [InlineData("1. **Queue a — lower**")]
    [InlineData("1. **Queue A - hyphen**")]
    [InlineData("1. **Queue A – en dash**")]
    [InlineData("1. **Queue AB — two letters**")]
    [InlineData("**Queue A — no number**")]
    [InlineData("1. **Queue A —**")]
    [InlineData("1. *Queue A — single stars*")]
    public void ParseSot_NearMissQueueLine_IsNotAQueue(string line)
    {
        var plan = Plan.ParseSot($"### G. Execution Queue & Task Hooks\n{line}\n- Tasks: `TASK-001`\n");

        Assert.Empty(plan.Queues);
    }

    [Fact]
    public void ParseSot_TasksBeforeAnyQueue_AreIgnored()
    {
        var plan = Plan.ParseSot("### G. Execution Queue & Task Hooks\n- Tasks: `TASK-001`\n1. **Queue A — X**\n");

        Assert.Empty(Assert.Single(plan.Queues).Tasks);
    }

    [Fact]
    public void ParseSot_NoSection_GivesAnEmptyV1Plan()
    {
        var plan = Plan.ParseSot("# Notes\n1. **Queue A — X**\n- Tasks: `TASK-001`\n");

        Assert.Equal(1, plan.Version);
        Assert.Empty(plan.Queues);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    [InlineData("\n")]
    public void ParseSot_AnyLineEnding_ReadsTheSame(string newline)
    {
        string text = string.Join(newline, "### G. Execution Queue & Task Hooks", "1. **Queue A — X**   ", "   - Tasks: `TASK-001`", "## End", "- Tasks: `TASK-002`");

        var plan = Plan.ParseSot(text);

        Assert.Equal("Queue A — X", Assert.Single(plan.Queues).Name);
        Assert.Equal("TASK-001", Assert.Single(plan.Tasks).Id);
    }

    [Fact]
    public void ParseSot_SectionHeadingWithLeadingSpaces_StartsTheSection()
    {
        var plan = Plan.ParseSot("   ### G. Execution Queue & Task Hooks (v3)\n1. **Queue A — X**\n- Tasks: `TASK-001`\n");

        Assert.Single(plan.Tasks);
    }

    [Fact]
    public void FromSot_RecordsSourceRelativeToTheWorkingDirectory()
    {
        using var dir = new TempDirectory();
        string path = dir.File("docs/sot.md", "### G. Execution Queue & Task Hooks\n1. **Queue A — X**\n- Tasks: `TASK-001`\n");

        var plan = Plan.FromSot(path, new PlanReadOptions { WorkingDirectory = dir.Path });

        Assert.Equal("docs/sot.md", plan.Source);
        Assert.Equal(new SourceLocation(path, 3, 11), plan.Tasks[0].Location);
    }
}
