using Microsoft.Extensions.DependencyInjection;
using TaskExecKit.Autonomous;
using TaskExecKit.Configuration;
using TaskExecKit.Telemetry;

namespace TaskExecKit;

/// <summary>Registers an <see cref="AutonomousEngine"/> with <see cref="TaskExecKitBuilder"/>.</summary>
public static class AutonomousTaskExecKitBuilderExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="AutonomousEngine"/> that records into the container's <see cref="TelemetrySystem"/>
    /// and uses its <see cref="TimeProvider"/>. A host starts it from its hosted service (see docs/autonomous.md:
    /// <c>StartAsync</c> calls <see cref="AutonomousEngine.StartHootlLoopAsync"/>, <c>StopAsync</c> calls
    /// <see cref="AutonomousEngine.StopAsync"/>); the container disposes it.
    /// </summary>
    /// <param name="builder">The TaskExecKit builder.</param>
    /// <param name="config">The configuration.</param>
    /// <param name="configure">Sets the engine's options (goal, phases, models).</param>
    /// <returns>The builder.</returns>
    public static TaskExecKitBuilder AddAutonomousEngine(this TaskExecKitBuilder builder, EngineConfig config, Action<AutonomousEngineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(config);
        builder.Services.AddSingleton(sp =>
        {
            var options = new AutonomousEngineOptions
            {
                Telemetry = sp.GetService<TelemetrySystem>(),
                TimeProvider = sp.GetService<TimeProvider>() ?? TimeProvider.System,
            };
            configure?.Invoke(options);
            return new AutonomousEngine(config, options);
        });
        return builder;
    }
}
