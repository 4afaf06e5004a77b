using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

/// <summary>
/// Plan.Validate on sot.md files read from disk: each problem has the right code, a message a
/// person can act on, and file:line:column; every problem is reported by one call.
/// </summary>
public sealed class ValidatorTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Validate_DuplicateIds_ReportsTheRepeatAndPointsToTheFirst()
    {
        var (plan, path) = Read("- [ ] `A-1` First", "- [ ] `B-1` Other", "- [ ] `A-1` Again");

        var d = Assert.Single(plan.Validate().Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.DuplicateId, d.Code);
        Assert.Equal(new SourceLocation(path, 3, 1), d.Location);
        Assert.Equal("A-1", d.TaskId);
        Assert.Contains("first at line 1", d.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:3:1: error TEK001: ", d.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownDependency_SuggestsTheClosestId()
    {
        var (plan, path) = Read("- [ ] `TASK-001` Build", "- [ ] `TASK-002` Test", "  - needs: TASK-01");

        var d = Assert.Single(plan.Validate().Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.UnknownDependency, d.Code);
        Assert.Equal(new SourceLocation(path, 3, 5), d.Location);
        Assert.Contains("TASK-01", d.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean TASK-001?", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownDependencyFarFromEveryId_MakesNoSuggestion()
    {
        var (plan, _) = Read("- [ ] `A-1` x", "  - needs: ZZZZZ-999");

        var d = Assert.Single(plan.Validate().Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.UnknownDependency, d.Code);
        Assert.DoesNotContain("did you mean", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ThreeCycle_PrintsThePathFromTheFirstTask()
    {
        var (plan, path) = Read(
            "- [ ] `A-1` A", "  - needs: B-1",
            "- [ ] `B-1` B", "  - needs: C-1",
            "- [ ] `C-1` C", "  - needs: A-1");

        var d = Assert.Single(plan.Validate().Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.Cycle, d.Code);
        Assert.Contains("A-1 → B-1 → C-1 → A-1", d.Message, StringComparison.Ordinal);
        Assert.Equal(new SourceLocation(path, 2, 5), d.Location);
        Assert.Equal("A-1", d.TaskId);
    }

    [Fact]
    public void Validate_SelfDependency_IsACycleOfOne()
    {
        var (plan, path) = Read("- [ ] `A-1` A", "- [ ] `B-1` B", "  - needs: B-1");

        var d = Assert.Single(plan.Validate().Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.Cycle, d.Code);
        Assert.Contains("B-1 → B-1", d.Message, StringComparison.Ordinal);
        Assert.Equal(new SourceLocation(path, 3, 5), d.Location);
    }

    [Fact]
    public void Validate_TwoSeparateCycles_ReportsBoth()
    {
        var (plan, path) = Read(
            "- [ ] `A-1` A", "  - needs: B-1",
            "- [ ] `B-1` B", "  - needs: A-1",
            "- [ ] `M-1` Middle", "  - needs: A-1",
            "- [ ] `C-1` C", "  - needs: D-1",
            "- [ ] `D-1` D", "  - needs: C-1");

        var cycles = plan.Validate().Diagnostics;

        Assert.Equal(2, cycles.Count);
        Assert.All(cycles, d => Assert.Equal(PlanDiagnosticCodes.Cycle, d.Code));
        Assert.Contains("A-1 → B-1 → A-1", cycles[0].Message, StringComparison.Ordinal);
        Assert.Contains("C-1 → D-1 → C-1", cycles[1].Message, StringComparison.Ordinal);
        Assert.Equal([2, 8], cycles.Select(c => c.Location!.Value.Line));
        Assert.All(cycles, c => Assert.Equal(path, c.Location!.Value.File));
    }

    [Fact]
    public void Validate_UnknownAgent_ListsTheRegisteredAgents()
    {
        var (plan, path) = Read("- [ ] `A-1` x", "  - agent: robot");
        var options = new PlanValidationOptions();
        options.Agents.Add("claude");

        var d = Assert.Single(plan.Validate(options).Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.UnknownAgent, d.Code);
        Assert.Equal(new SourceLocation(path, 2, 5), d.Location);
        Assert.Contains("'robot'", d.Message, StringComparison.Ordinal);
        Assert.Contains("registered agents: claude, noop, shell", d.Message, StringComparison.Ordinal);
        Assert.True(plan.Validate(new PlanValidationOptions { CheckAgents = false }).IsValid);
    }

    [Fact]
    public void Validate_RunOnNoop_PointsAtTheRunCommand()
    {
        var (plan, path) = Read("- [ ] `A-1` x", "  - agent: noop", "  - run: echo hi");

        var d = Assert.Single(plan.Validate().Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.RunOnNonCommandAgent, d.Code);
        Assert.Equal(new SourceLocation(path, 3, 5), d.Location);
        Assert.Contains("noop", d.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("effects: process:git, bogus:x", PlanDiagnosticCodes.MalformedEffect, "unknown kind 'bogus'")]
    [InlineData("effects: net:example.org:99999", PlanDiagnosticCodes.MalformedEffect, "bad port")]
    [InlineData("effects: git", PlanDiagnosticCodes.MalformedEffect, "kind:target")]
    [InlineData("timeout: 5 minutes", PlanDiagnosticCodes.MalformedDuration, "5 minutes")]
    [InlineData("timeout: 0s", PlanDiagnosticCodes.MalformedDuration, "0s")]
    [InlineData("run: [\"echo\", 1]", PlanDiagnosticCodes.MalformedArgv, "item 2")]
    [InlineData("run: [\"echo\"", PlanDiagnosticCodes.MalformedArgv, "not valid JSON")]
    [InlineData("run: echo \"unclosed", PlanDiagnosticCodes.MalformedArgv, "unclosed double quote")]
    [InlineData("run: []", PlanDiagnosticCodes.MalformedArgv, "no command")]
    [InlineData("retries: many", PlanDiagnosticCodes.MalformedAttribute, "'many'")]
    [InlineData("retries: 101", PlanDiagnosticCodes.MalformedAttribute, "from 0 to 100")]
    [InlineData("retries: -1", PlanDiagnosticCodes.MalformedAttribute, "'-1'")]
    [InlineData("needs: not an id", PlanDiagnosticCodes.MalformedAttribute, "not task ids")]
    [InlineData("layer:", PlanDiagnosticCodes.MalformedAttribute, "empty 'layer'")]
    [InlineData("owner: me", PlanDiagnosticCodes.UnknownAttribute, "known attributes: agent, run, needs, effects, timeout, retries, layer, description")]
    public void Validate_MalformedAttribute_HasItsCodeAndLocation(string attribute, string code, string messagePart)
    {
        var (plan, path) = Read("- [ ] `A-1` x", "  - " + attribute);

        var diagnostics = plan.Validate().Diagnostics;

        Assert.NotEmpty(diagnostics);
        Assert.All(diagnostics, d =>
        {
            Assert.Equal(code, d.Code);
            Assert.Equal(new SourceLocation(path, 2, 5), d.Location);
            Assert.Equal("A-1", d.TaskId);
        });
        Assert.Contains(diagnostics, d => d.Message.Contains(messagePart, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RepeatedAttribute_IsReportedAtTheRepeat()
    {
        var (plan, path) = Read("- [ ] `A-1` x", "  - agent: shell", "  - Agent: noop");

        var d = Assert.Single(plan.Validate().Diagnostics);

        Assert.Equal(PlanDiagnosticCodes.MalformedAttribute, d.Code);
        Assert.Equal(new SourceLocation(path, 3, 5), d.Location);
        Assert.Contains("first on line 2", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ManyProblems_AreAllReportedInOneCallInFileOrder()
    {
        var (plan, path) = Read(
            "# Build",                                 // 1
            "- [ ] `A-1` Dup",                         // 2
            "- [ ] `A-1` Dup again",                   // 3
            "- [ ] `B-1` Unknown need",                // 4
            "  - needs: A-2",                          // 5
            "- [ ] `C-1` Cycle",                       // 6
            "  - needs: C-2",                          // 7
            "- [ ] `C-2` Cycle",                       // 8
            "  - needs: C-1",                          // 9
            "- [ ] `D-1` Bad attributes",              // 10
            "  - agent: robot",                        // 11
            "  - effects: bogus:x",                    // 12
            "  - timeout: soon",                       // 13
            "  - run: [1]",                            // 14
            "  - retries: lots",                       // 15
            "  - colour: red",                         // 16
            "- [ ] `E-1` Run on noop",                 // 17
            "  - agent: noop",                         // 18
            "  - run: echo hi");                       // 19

        var validation = plan.Validate();

        Assert.False(validation.IsValid);
        Assert.Equal(
            [
                (PlanDiagnosticCodes.DuplicateId, 3), (PlanDiagnosticCodes.UnknownDependency, 5), (PlanDiagnosticCodes.Cycle, 7),
                (PlanDiagnosticCodes.UnknownAgent, 11), (PlanDiagnosticCodes.MalformedEffect, 12), (PlanDiagnosticCodes.MalformedDuration, 13),
                (PlanDiagnosticCodes.MalformedArgv, 14), (PlanDiagnosticCodes.MalformedAttribute, 15), (PlanDiagnosticCodes.UnknownAttribute, 16),
                (PlanDiagnosticCodes.RunOnNonCommandAgent, 19),
            ],
            validation.Diagnostics.Select(d => (d.Code, d.Location!.Value.Line)));
        Assert.All(validation.Diagnostics, d => Assert.Equal(path, d.Location!.Value.File));
        Assert.Contains("did you mean A-1?", validation.Diagnostics[1].Message, StringComparison.Ordinal);

        var ex = Assert.Throws<PlanValidationException>(() => plan.EnsureValid());
        Assert.Equal(validation.Diagnostics.Count, ex.Diagnostics.Count);
        Assert.Contains("10 problems", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_PlanWithACycle_ThrowsWithTheCycleOnly()
    {
        var (plan, _) = Read("- [ ] `A-1` A", "  - needs: B-1", "  - agent: robot", "- [ ] `B-1` B", "  - needs: A-1");

        var ex = Assert.Throws<PlanValidationException>(() => plan.Analyze());

        Assert.Equal(PlanDiagnosticCodes.Cycle, Assert.Single(ex.Diagnostics).Code);
    }

    private (Plan Plan, string Path) Read(params string[] lines)
    {
        string path = _dir.Write("sot.md", string.Join("\n", lines) + "\n");
        return (Plan.FromSot(path), path);
    }
}
