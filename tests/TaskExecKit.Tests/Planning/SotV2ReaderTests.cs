using TaskExecKit.Effects;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

public sealed class SotV2ReaderTests
{
    private const string Sample = """
        # Project

        Intro prose. `TASK-999` in prose is not a task.

        ## Queue A — Build
        - [ ] `TASK-010` Compile the solution
          - agent: shell
          - run: ["dotnet", "build", "-c", "Release"]
          - needs: TASK-001, `TASK-002`
          - effects: process:dotnet, fs.read:., fs.write:./artifacts, net:127.0.0.1:8080, tool:search, env:HOME
          - timeout: 5m
          - retries: 2
          - layer: platform
          - description: Builds everything
        - [x] `TASK-011` — Already done upstream
        * [X] `TASK-001`
        + [ ] `TASK-002`: Quoted command
            - run: git commit -m "a message with \"quotes\" and spaces" --allow-empty
            - Agent: shell

        ```markdown
        - [ ] `TASK-050` inside a fence is not a task
        ```

        ### Queue B — Test ###
        - [ ] `QA-7` Test it
          - agent: noop
          - needs: TASK-010
          Some nested prose that is not an attribute.
        """;

    [Fact]
    public void ParseSot_TaskListWithIds_IsReadAsVersion2WithEveryAttribute()
    {
        var plan = Plan.ParseSot(Sample, "sot.md");

        Assert.Equal(2, plan.Version);
        Assert.Equal(["Queue A — Build", "Queue B — Test"], plan.Queues.Select(q => q.Name));
        Assert.Equal(["TASK-010", "TASK-011", "TASK-001", "TASK-002", "QA-7"], plan.Tasks.Select(t => t.Id));

        var build = plan.Tasks[0];
        Assert.Equal("Compile the solution", build.Title);
        Assert.Equal("shell", build.Agent);
        Assert.Equal(["dotnet", "build", "-c", "Release"], build.Run);
        Assert.Equal(["TASK-001", "TASK-002"], build.Needs);
        Assert.Equal(
            [Capability.Process("dotnet"), Capability.FileRead("."), Capability.FileWrite("./artifacts"), Capability.Network("127.0.0.1", 8080), Capability.Tool("search"), Capability.Env("HOME")],
            build.Effects);
        Assert.Equal(TimeSpan.FromMinutes(5), build.Timeout);
        Assert.Equal(2, build.Retries);
        Assert.Equal("platform", build.Layer);
        Assert.Equal("Builds everything", build.Description);
        Assert.False(build.IsDone);

        Assert.Equal("Already done upstream", plan.Tasks[1].Title);
        Assert.True(plan.Tasks[1].IsDone);
        Assert.True(plan.Tasks[2].IsDone);
        Assert.Equal("TASK-001", plan.Tasks[2].Title);
        Assert.Equal(["git", "commit", "-m", "a message with \"quotes\" and spaces", "--allow-empty"], plan.Tasks[3].Run);
        Assert.Equal("shell", plan.Tasks[3].Agent);

        var test = plan.Tasks[4];
        Assert.Equal("Queue B — Test", test.Queue);
        Assert.Equal("foundation", test.Layer);
        Assert.Equal("noop", test.Agent);
        Assert.True(plan.Validate().IsValid, plan.Validate().ToString());
    }

    [Fact]
    public void ParseSot_V2_DependenciesAreExactlyTheNeeds()
    {
        var plan = Plan.ParseSot("## A\n- [ ] `A-1` one\n## B\n- [ ] `B-1` two\n");

        Assert.All(plan.Tasks, t => Assert.Empty(t.Needs));
        Assert.Single(plan.Analyze().Levels);
    }

    [Fact]
    public void ParseSot_TasksBeforeAnyHeading_GoToTheDefaultQueue()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` one\n");

        Assert.Equal("Default", Assert.Single(plan.Queues).Name);
    }

    [Fact]
    public void ParseSot_AttributesEndAtALessIndentedLine()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` one\n  - agent: shell\nnot indented\n  - agent: noop\n- [ ] `A-2` two\n");

        Assert.Equal("shell", plan.Tasks[0].Agent);
        Assert.True(plan.Validate().IsValid);
    }

    [Fact]
    public void ParseSot_NestedTask_IsItsOwnTask()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` parent\n  - agent: noop\n  - [ ] `A-2` child\n    - needs: A-1\n");

        Assert.Equal(["A-1", "A-2"], plan.Tasks.Select(t => t.Id));
        Assert.Equal(["A-1"], plan.Tasks[1].Needs);
    }

    [Theory]
    [InlineData("timeout: 5 minutes", PlanDiagnosticCodes.MalformedDuration)]
    [InlineData("timeout: 0s", PlanDiagnosticCodes.MalformedDuration)]
    [InlineData("timeout: 1.5s", PlanDiagnosticCodes.MalformedDuration)]
    [InlineData("effects: process", PlanDiagnosticCodes.MalformedEffect)]
    [InlineData("effects: disk:/tmp", PlanDiagnosticCodes.MalformedEffect)]
    [InlineData("effects: net:host:99999", PlanDiagnosticCodes.MalformedEffect)]
    [InlineData("effects: net:[[x]", PlanDiagnosticCodes.MalformedEffect)]
    [InlineData("effects: net:a[::1]:80", PlanDiagnosticCodes.MalformedEffect)]
    [InlineData("run: [\"a\", 1]", PlanDiagnosticCodes.MalformedArgv)]
    [InlineData("run: []", PlanDiagnosticCodes.MalformedArgv)]
    [InlineData("run: echo \"open", PlanDiagnosticCodes.MalformedArgv)]
    [InlineData("retries: -1", PlanDiagnosticCodes.MalformedAttribute)]
    [InlineData("retries: 101", PlanDiagnosticCodes.MalformedAttribute)]
    [InlineData("needs: not an id", PlanDiagnosticCodes.MalformedAttribute)]
    [InlineData("agent:", PlanDiagnosticCodes.MalformedAttribute)]
    [InlineData("colour: blue", PlanDiagnosticCodes.UnknownAttribute)]
    public void Validate_MalformedAttribute_ReportsItsCodeAndLine(string attribute, string code)
    {
        var plan = Plan.ParseSot($"## Q\n- [ ] `A-1` task\n  - {attribute}\n");

        var problem = Assert.Single(plan.Validate().Diagnostics);
        Assert.Equal(code, problem.Code);
        Assert.Equal(3, problem.Location?.Line);
        Assert.Equal(5, problem.Location?.Column);
        Assert.Equal("A-1", problem.TaskId);
    }

    [Fact]
    public void Validate_UnknownAttribute_ListsTheKnownOnes()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` task\n  - agnet: shell\n");

        var problem = Assert.Single(plan.Validate().Diagnostics);
        Assert.Contains("'agnet'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("agent, run, needs, effects, timeout, retries, layer, description", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RepeatedAttribute_IsAProblem()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` task\n  - agent: shell\n  - agent: noop\n");

        Assert.Equal(PlanDiagnosticCodes.MalformedAttribute, Assert.Single(plan.Validate().Diagnostics).Code);
    }

    [Fact]
    public void ParseSot_BacktickedValue_IsUnquoted()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` task\n  - run: `echo hello`\n");

        Assert.Equal(["echo", "hello"], plan.Tasks[0].Run);
    }

    [Fact]
    public void ParseSot_FenceIndentedFourSpacesUnderATask_IsSkipped()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` x\n    ```\n    - agent: nobody\n    ```\n");

        var task = Assert.Single(plan.Tasks);
        Assert.Null(task.Agent);
        Assert.True(plan.Validate().IsValid);
    }

    [Fact]
    public void ParseSot_AttributesAfterADeeplyIndentedFence_StillBelongToTheTask()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` x\n      ~~~yaml\n      - agent: nobody\n      - [ ] `A-2` not a task\n\t  ~~~\n  - agent: noop\n");

        var task = Assert.Single(plan.Tasks);
        Assert.Equal("noop", task.Agent);
        Assert.Equal(6, task.LocationOf("agent")?.Line);
    }

    [Fact]
    public void ParseSot_FourSpaceFenceOutsideAnyTask_IsStillIndentedCode()
    {
        // At the top level a line indented 4+ spaces is indented code, not a fence: the task after it is read.
        var plan = Plan.ParseSot("intro\n\n    ```\n- [ ] `A-1` x\n  - agent: noop\n");

        Assert.Equal("noop", Assert.Single(plan.Tasks).Agent);
    }

    [Fact]
    public void ParseSot_AttributeAfterANestedSubtask_BelongsToTheParent()
    {
        var plan = Plan.ParseSot("- [ ] `A-1` a\n  - [ ] `A-2` b\n  - agent: noop\n");

        Assert.Equal(["A-1", "A-2"], plan.Tasks.Select(t => t.Id));
        Assert.Equal("noop", plan.Tasks[0].Agent);
        Assert.Equal(new SourceLocation(null, 3, 5), plan.Tasks[0].LocationOf("agent"));
        Assert.Null(plan.Tasks[1].Agent);
    }

    [Fact]
    public void ParseSot_AttributesBetweenNestedSubtasks_GoToTheInnermostOpenTaskLeftOfThem()
    {
        var plan = Plan.ParseSot(
            "- [ ] `A-1` a\n  - [ ] `A-2` b\n    - [ ] `A-3` c\n      - timeout: 1s\n    - agent: shell\n  - retries: 2\n- [ ] `A-4` d\n  - agent: noop\n");

        Assert.Equal(["A-1", "A-2", "A-3", "A-4"], plan.Tasks.Select(t => t.Id));
        Assert.Equal(2, plan.Tasks[0].Retries);
        Assert.Null(plan.Tasks[0].Agent);
        Assert.Equal("shell", plan.Tasks[1].Agent);
        Assert.Equal(TimeSpan.FromSeconds(1), plan.Tasks[2].Timeout);
        Assert.Null(plan.Tasks[2].Agent);
        Assert.Equal("noop", plan.Tasks[3].Agent);
        Assert.True(plan.Validate().IsValid);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("0ms")]
    [InlineData("-1s")]
    [InlineData("5 m")]
    public void ParseSot_TimeoutNotPositive_IsMalformedDurationSayingTheForm(string timeout)
    {
        var plan = Plan.ParseSot($"- [ ] `A-1` x\n  - timeout: {timeout}\n");

        var problem = Assert.Single(plan.Validate().Diagnostics);
        Assert.Equal(PlanDiagnosticCodes.MalformedDuration, problem.Code);
        Assert.Equal($"task A-1 has timeout '{timeout}', which is not a whole number followed by ms, s, m or h (e.g. 250ms, 30s, 5m, 1h)", problem.Message);
    }

    [Fact]
    public void ParseJsonAndSot_TimeoutsUseTheSharedDurationReader()
    {
        // Same reader as configuration: any whole number that fits a TimeSpan (no 9-digit limit), trimmed.
        var sot = Plan.ParseSot("- [ ] `A-1` x\n  - timeout: 1000000000ms\n");
        var json = Plan.ParseJson("{\"version\": 2, \"queues\": [{\"name\": \"Q\", \"tasks\": [{\"id\": \"A-1\", \"timeout\": \" 90s \"}]}]}");

        Assert.Equal(TimeSpan.FromMilliseconds(1_000_000_000), sot.Tasks[0].Timeout);
        Assert.Equal(TimeSpan.FromSeconds(90), json.Tasks[0].Timeout);
        Assert.Contains("\"timeout\": \"90s\"", json.ToJson(), StringComparison.Ordinal);
    }
}
