using TaskExecKit.Effects;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

public sealed class PlanBuilderTests
{
    [Fact]
    public void Build_TwoTasks_GivesTheSameModelAsTheSot()
    {
        var built = Plan.Builder()
            .Task("build", t => t.Agent("noop"))
            .Task("test", t => t.Agent("noop").Needs("build"))
            .Build();

        Assert.Equal(2, built.Version);
        Assert.Equal(["build", "test"], built.Tasks.Select(t => t.Id));
        Assert.Equal(["build"], built.Tasks[1].Needs);
        Assert.Equal([["build"], ["test"]], built.Analyze().Levels.Select(l => l.Select(t => t.Id)));
    }

    [Fact]
    public void Build_EveryAttribute_RoundTripsThroughJson()
    {
        var plan = Plan.Builder()
            .Source("code")
            .Task("TASK-042", t => t
                .Title("Deploy")
                .Queue("Queue D — Deploy")
                .Agent("shell")
                .Run("kubectl", "apply", "-f", "deploy with space.yaml")
                .Effects(Capability.Process("kubectl"), Capability.Network("cluster.local", 6443))
                .Timeout(TimeSpan.FromSeconds(30))
                .Retries(2)
                .Description("Roll out"))
            .Task("TASK-043", t => t.Done())
            .Build();

        var loaded = Plan.ParseJson(plan.ToJson());

        Assert.Equal(plan.ToJson(), loaded.ToJson());
        var deploy = loaded.Tasks[0];
        Assert.Equal("services", deploy.Layer);
        Assert.Equal("Queue D — Deploy", deploy.Queue);
        Assert.Equal(["kubectl", "apply", "-f", "deploy with space.yaml"], deploy.Run);
        Assert.Equal(Capability.Network("cluster.local", 6443), deploy.Effects[1]);
    }

    [Fact]
    public void Build_Cycle_ThrowsWithThePath()
    {
        var ex = Assert.Throws<PlanValidationException>(() => Plan.Builder()
            .Task("A-1", t => t.Needs("A-2"))
            .Task("A-2", t => t.Needs("A-3"))
            .Task("A-3", t => t.Needs("A-1"))
            .Build());

        var cycle = Assert.Single(ex.Diagnostics);
        Assert.Equal(PlanDiagnosticCodes.Cycle, cycle.Code);
        Assert.Contains("A-1 → A-2 → A-3 → A-1", cycle.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownDependencyAndDuplicate_ReportsBothAtOnce()
    {
        var ex = Assert.Throws<PlanValidationException>(() => Plan.Builder()
            .Task("a", t => t.Needs("missing"))
            .Task("a")
            .Build());

        Assert.Equal([PlanDiagnosticCodes.DuplicateId, PlanDiagnosticCodes.UnknownDependency], ex.Diagnostics.Select(d => d.Code));
    }

    [Fact]
    public void Build_UnregisteredAgent_IsLeftForTheRunToCheck()
    {
        var plan = Plan.Builder().Task("a", t => t.Agent("custom")).Build();

        Assert.Equal(PlanDiagnosticCodes.UnknownAgent, Assert.Single(plan.Validate().Diagnostics).Code);
        var options = new PlanValidationOptions();
        options.Agents.Add("custom");
        Assert.True(plan.Validate(options).IsValid);
    }

    [Fact]
    public void Run_OnAnAgentThatCannotRunCommands_IsAProblem()
    {
        var plan = Plan.Builder().Task("a", t => t.Agent("noop").Run("echo")).Build();

        Assert.Equal(PlanDiagnosticCodes.RunOnNonCommandAgent, Assert.Single(plan.Validate().Diagnostics).Code);
    }

    [Fact]
    public void Timeout_BelowAMillisecond_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Plan.Builder().Task("a", t => t.Timeout(TimeSpan.Zero)));
    }
}
