using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TaskExecKit.Autonomous;

namespace TaskExecKit.Tests.Autonomous;

/// <summary>The engine as an <see cref="IHostedService"/> of a real generic host, registered by <c>AddAutonomousEngine</c>.</summary>
public sealed class AutonomousHostingTests
{
    [Fact]
    public async Task GenericHost_StartsTheLoopWithTheHost_AndStopsItGracefully()
    {
        await using var h = new EngineHarness("max_iterations = 100000");
        var host = Build(h, o => o.Checkpoints = false);
        try
        {
            var engine = host.Services.GetRequiredService<AutonomousEngine>();
            Assert.Same(engine, Assert.Single(host.Services.GetServices<IHostedService>().OfType<AutonomousEngine>()));

            await host.StartAsync();
            Assert.True(engine.Status.Running);
            Assert.True(h.Control.IsEngineRunning);

            await host.StopAsync();
            Assert.True(engine.Completion.IsCompleted);
            var final = await engine.Completion;
            Assert.Contains("the host is stopping (graceful)", final.StopReason, StringComparison.Ordinal);
            Assert.False(h.Control.IsEngineRunning);
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync();
        }
    }

    [Fact]
    public async Task GenericHost_ShutdownTimeUp_StopsAtOnce_CancellingRunningWork()
    {
        await using var h = new EngineHarness("max_iterations = 100000");
        var run = new BlockingRun();
        var host = Build(h, o =>
        {
            o.Checkpoints = false;
            o.ConfigurePhases = p => p.Run = run;
        });
        try
        {
            var engine = host.Services.GetRequiredService<AutonomousEngine>();
            await host.StartAsync();
            await run.Entered.Task.WaitAsync(TimeSpan.FromSeconds(60));

            // The host's shutdown time is already up: a graceful stop would wait for RUN forever, so the engine stops at once.
            await host.StopAsync(new CancellationToken(canceled: true));
            var final = await engine.Completion.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(run.Cancelled);
            Assert.Contains("the host is stopping (graceful)", final.StopReason, StringComparison.Ordinal);
            Assert.False(final.Running);
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync();
        }
    }

    [Fact]
    public async Task IssueSnippet_LoadConfig_NewEngine_StartHootlLoop_RunsThroughTheCecca()
    {
        // Exactly the issue's three lines (runtime and runs folders come from the loaded core.toml).
        await using var h = new EngineHarness("max_iterations = 2");
        var config = TaskExecKit.Configuration.EngineConfig.Load(Path.Combine(h.Root, "config"));
        await using var autonomous = new AutonomousEngine(config);
        await autonomous.StartHootlLoopAsync(CancellationToken.None);

        Assert.Equal(h.Runtime, autonomous.RuntimeDirectory);
        var final = await autonomous.Completion.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(2, final.Iteration);
        Assert.Equal(final.Iteration, autonomous.Status.Iteration);
        Assert.Contains("max_iterations", final.StopReason, StringComparison.Ordinal);
        Assert.Equal([1.0, 1.0], final.Scores.Select(s => s.Score));
        Assert.True(File.Exists(Path.Combine(h.Runtime, "database", "telemetry.db")));
    }

    private static IHost Build(EngineHarness h, Action<AutonomousEngineOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = h.Root });
        builder.Services.AddSingleton(h.Telemetry);
        new TaskExecKitBuilder(builder.Services).AddAutonomousEngine(h.Config, o =>
        {
            o.RuntimeDirectory = h.Runtime;
            o.WorkingDirectory = h.Root;
            configure(o);
        });
        return builder.Build();
    }

    private sealed class BlockingRun : IRunPhase
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Cancelled { get; private set; }

        public async ValueTask<IterationOutcome> RunAsync(AutonomousIteration iteration, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }

            return IterationOutcome.Nothing;
        }
    }
}
