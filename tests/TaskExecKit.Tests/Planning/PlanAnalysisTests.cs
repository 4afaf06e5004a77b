using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

public sealed class PlanAnalysisTests
{
    [Fact]
    public void Analyze_Diamond_FindsLevelsCriticalPathWidthAndEstimates()
    {
        var plan = Plan.Builder()
            .Task("a", t => t.Timeout(TimeSpan.FromSeconds(10)))
            .Task("b", t => t.Needs("a").Timeout(TimeSpan.FromSeconds(30)))
            .Task("c", t => t.Needs("a").Timeout(TimeSpan.FromSeconds(5)))
            .Task("d", t => t.Needs("b", "c").Timeout(TimeSpan.FromSeconds(10)))
            .Build();

        var analysis = plan.Analyze();

        Assert.Equal([["a"], ["b", "c"], ["d"]], analysis.Levels.Select(l => l.Select(t => t.Id)));
        Assert.Equal(["a", "b", "d"], analysis.CriticalPath.Select(t => t.Id));
        Assert.Equal(TimeSpan.FromSeconds(50), analysis.CriticalPathLength);
        Assert.Equal(2, analysis.MaxWidth);
        Assert.Equal(TimeSpan.FromSeconds(55), analysis.TotalWork);
        Assert.Equal(TimeSpan.FromSeconds(55), analysis.EstimateWallTime(1));
        Assert.Equal(TimeSpan.FromSeconds(50), analysis.EstimateWallTime(2));
        Assert.Equal(DurationSource.Timeout, analysis.Estimates["a"].Source);
    }

    [Fact]
    public void Analyze_History_WinsOverTimeouts_AndDoneTasksTakeNoTime()
    {
        var plan = Plan.Builder()
            .Task("a", t => t.Timeout(TimeSpan.FromMinutes(10)))
            .Task("b", t => t.Done())
            .Task("c", t => t.Needs("a", "b"))
            .Build();
        var options = new PlanAnalysisOptions { DefaultTaskDuration = TimeSpan.FromSeconds(2) };
        options.History["a"] = TimeSpan.FromSeconds(3);

        var analysis = plan.Analyze(options);

        Assert.Equal(TimeSpan.FromSeconds(5), analysis.CriticalPathLength);
        Assert.Equal(new TaskEstimate(TimeSpan.Zero, DurationSource.Done), analysis.Estimates["b"]);
        Assert.Equal(DurationSource.History, analysis.Estimates["a"].Source);
        Assert.Equal(DurationSource.Default, analysis.Estimates["c"].Source);
    }

    [Fact]
    public void Analyze_V1Plan_LevelsAreTheQueuesInOrder()
    {
        var plan = Plan.ParseSot("""
            ### G. Execution Queue & Task Hooks
            1. **Queue A — One**
            - Tasks: `TASK-001`, `TASK-002`, `TASK-003`
            2. **Queue B — Empty**
            3. **Queue C — Three**
            - Tasks: `TASK-004`
            """);

        var analysis = plan.Analyze();

        Assert.Equal([["TASK-001", "TASK-002", "TASK-003"], ["TASK-004"]], analysis.Levels.Select(l => l.Select(t => t.Id)));
        Assert.Equal(TimeSpan.FromSeconds(2), analysis.CriticalPathLength);
        Assert.Equal(TimeSpan.FromSeconds(3), analysis.EstimateWallTime(2));
    }

    [Fact]
    public void Analyze_Cycle_ThrowsNamingIt()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` a\n  - needs: A-2\n- [ ] `A-2` b\n  - needs: A-1\n", "sot.md");

        var ex = Assert.Throws<PlanValidationException>(() => plan.Analyze());

        Assert.Contains("A-1 → A-2 → A-1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_EmptyPlan_IsEmpty()
    {
        var analysis = Plan.ParseSot(string.Empty).Analyze();

        Assert.Empty(analysis.Levels);
        Assert.Empty(analysis.CriticalPath);
        Assert.Equal(TimeSpan.Zero, analysis.EstimateWallTime(4));
    }

    [Fact]
    public void Analyze_HugeChainedTimeouts_SaturateInsteadOfGoingNegative()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` a\n  - timeout: 200000000h\n- [ ] `A-2` b\n  - needs: A-1\n  - timeout: 200000000h\n- [ ] `A-3` c\n  - timeout: 200000000h\n");
        Assert.True(plan.Validate().IsValid);

        var analysis = plan.Analyze();

        var max = TimeSpan.FromTicks(long.MaxValue);
        Assert.Equal(max, analysis.TotalWork);
        Assert.Equal(max, analysis.CriticalPathLength);
        Assert.Equal(["A-1", "A-2"], analysis.CriticalPath.Select(t => t.Id));
        Assert.Equal(max, analysis.EstimateWallTime(1));
        Assert.Equal(max, analysis.EstimateWallTime(2));
        Assert.Equal(max, analysis.EstimateWallTime(8));
    }

    [Fact]
    public void Analyze_NegativeHistory_CountsAsNoTime()
    {
        var plan = Plan.Builder().Task("a").Task("b", t => t.Needs("a")).Build();
        var options = new PlanAnalysisOptions();
        options.History["a"] = TimeSpan.FromSeconds(-5);

        var analysis = plan.Analyze(options);

        Assert.Equal(TimeSpan.FromSeconds(1), analysis.TotalWork);
        Assert.Equal(TimeSpan.FromSeconds(1), analysis.CriticalPathLength);
        Assert.Equal(TimeSpan.FromSeconds(1), analysis.EstimateWallTime(1));
    }
}
