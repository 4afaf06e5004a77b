using System.Text.Json;
using TaskExecKit.Autonomous;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Autonomous;

public sealed class AutonomousEngineTests
{
    [Fact]
    public async Task RunHootlLoopAsync_OfflineProvider_StopsAtMaxIterationsWithADecisionRecordPerIteration()
    {
        await using var h = new EngineHarness("max_iterations = 3");
        await using var engine = new AutonomousEngine(h.Config, h.Options());
        var final = await engine.RunHootlLoopAsync();

        Assert.False(final.Running);
        Assert.Equal(AutonomousPhase.Stopped, final.Phase);
        Assert.Equal(3, final.Iteration);
        Assert.Contains("max_iterations", final.StopReason, StringComparison.Ordinal);
        Assert.Equal([1.0, 1.0, 1.0], final.Scores.Select(s => s.Score));
        Assert.Equal(3, final.LimitsUsed.Single(l => l.Name == "max_tasks").Used);

        var decisions = await h.DecisionsAsync();
        Assert.Equal(3, decisions.Count);
        using var record = JsonDocument.Parse(decisions[0].Detail!);
        var root = record.RootElement;
        Assert.Equal("run", root.GetProperty("choice").GetString());
        Assert.Equal(1, root.GetProperty("iteration").GetInt32());
        Assert.True(root.GetProperty("inputs").TryGetProperty("remaining_tasks", out _));
        Assert.Equal(2, root.GetProperty("options").GetArrayLength());
        Assert.Contains(root.GetProperty("gates").EnumerateArray(), g => g.GetProperty("gate").GetString() == "verification" && g.GetProperty("passed").GetBoolean());
        Assert.Equal(1.0, root.GetProperty("score").GetDouble());

        var status = await h.Control.GetStatusAsync();
        Assert.NotNull(status);
        Assert.False(status.Running);
        Assert.Equal(3, status.Iteration);
        Assert.Equal(final.StopReason, status.StopReason);
    }

    [Fact]
    public async Task StartHootlLoopAsync_ReturnsWhileRunning_StopGracefulEndsIt()
    {
        await using var h = new EngineHarness("max_iterations = 100000");
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o => o.Checkpoints = false));
        await engine.StartHootlLoopAsync();
        Assert.True(engine.Status.Running);
        await engine.StopAsync(graceful: true);
        Assert.True(engine.Completion.IsCompleted);
        var final = await engine.Completion;
        Assert.Contains("graceful", final.StopReason, StringComparison.Ordinal);
        Assert.False(engine.Status.Running);
    }

    [Fact]
    public async Task SecondEngine_SameRuntimeDirectory_RefusedWithClearMessage()
    {
        await using var h = new EngineHarness("max_iterations = 100000");
        await using var first = new AutonomousEngine(h.Config, h.Options());
        await first.StartHootlLoopAsync();
        await using var second = new AutonomousEngine(h.Config, h.Options());
        var ex = await Assert.ThrowsAsync<AutonomousException>(() => second.StartHootlLoopAsync());
        Assert.Contains("Another autonomous engine is already running", ex.Message, StringComparison.Ordinal);
        await first.StopAsync(graceful: false);

        // Released: a new engine may start now.
        await using var third = new AutonomousEngine(h.Config, h.Options(configure: o => o.Goal = "again"));
        await third.StartHootlLoopAsync();
        await third.StopAsync(graceful: false);
        Assert.NotNull((await third.Completion).StopReason);
    }

    [Fact]
    public async Task StopFile_FromAnotherProcess_StopsGracefully()
    {
        await using var h = new EngineHarness("max_iterations = 100000");
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o => o.Checkpoints = false));
        await engine.StartHootlLoopAsync();
        await h.Control.RequestStopAsync(graceful: true);
        var final = await engine.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("STOP", final.StopReason, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(h.Runtime, "state", "STOP")));
    }

    [Fact]
    public async Task KillFile_Present_RefusesToStart()
    {
        await using var h = new EngineHarness();
        await h.Control.KillAsync("maintenance");
        await using var engine = new AutonomousEngine(h.Config, h.Options());
        var ex = await Assert.ThrowsAsync<AutonomousException>(() => engine.StartHootlLoopAsync());
        Assert.Contains("maintenance", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecideStop_EndsTheLoop()
    {
        await using var h = new EngineHarness("max_iterations = 10");
        await using var engine = new AutonomousEngine(h.Config, h.Options(EngineHarness.Model("action: stop\nreason: goal reached")));
        var final = await engine.RunHootlLoopAsync();
        Assert.Equal(1, final.Iteration);
        Assert.Contains("goal reached", final.StopReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigurePhases_DecoratesTheDefault()
    {
        await using var h = new EngineHarness("max_iterations = 2");
        var seen = new List<int>();
        await using var engine = new AutonomousEngine(h.Config, h.Options(configure: o => o.ConfigurePhases = phases => phases.Sense = new RecordingSense(phases.Sense, seen)));
        await engine.RunHootlLoopAsync();
        Assert.Equal([1, 2], seen);
    }

    private sealed class RecordingSense(ISensePhase inner, List<int> seen) : ISensePhase
    {
        public async ValueTask SenseAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
        {
            seen.Add(iteration.Number);
            await inner.SenseAsync(iteration, cancellationToken);
        }
    }
}

public sealed class AutonomousDependencyInjectionTests
{
    [Fact]
    public async Task AddAutonomousEngine_ResolvesASingletonOnTheContainersTelemetry_AndRuns()
    {
        await using var h = new EngineHarness("max_iterations = 1");
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, h.Telemetry);
        new TaskExecKitBuilder(services).AddAutonomousEngine(h.Config, o => { o.RuntimeDirectory = h.Runtime; o.WorkingDirectory = h.Root; o.Checkpoints = false; });
        var descriptor = Assert.Single(services, d => d.ServiceType == typeof(AutonomousEngine));
        Assert.Equal(Microsoft.Extensions.DependencyInjection.ServiceLifetime.Singleton, descriptor.Lifetime);
        await using var engine = (AutonomousEngine)descriptor.ImplementationFactory!(new OnlyTelemetry(h.Telemetry));

        // What a hosted service adapter does: StartAsync → StartHootlLoopAsync, StopAsync → StopAsync(graceful).
        await engine.StartHootlLoopAsync();
        var final = await engine.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        await engine.StopAsync(graceful: true);
        Assert.Equal(1, final.Iteration);
        Assert.NotEmpty(await h.DecisionsAsync());
    }
}

internal sealed class OnlyTelemetry(TelemetrySystem telemetry) : IServiceProvider
{
    public object? GetService(Type serviceType) => serviceType == typeof(TelemetrySystem) ? telemetry : null;
}
