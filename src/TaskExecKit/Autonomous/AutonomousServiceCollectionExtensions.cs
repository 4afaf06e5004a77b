using Microsoft.Extensions.DependencyInjection;
using TaskExecKit.Agents;
using TaskExecKit.Autonomous;
using TaskExecKit.Configuration;
using TaskExecKit.Telemetry;

namespace TaskExecKit;

/// <summary>Registers an <see cref="AutonomousEngine"/> with <see cref="TaskExecKitBuilder"/>.</summary>
public static class AutonomousTaskExecKitBuilderExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="AutonomousEngine"/> that records into the container's <see cref="TelemetrySystem"/>,
    /// uses its <see cref="TimeProvider"/> and its <see cref="AgentRegistry"/> (when there are), and registers the same
    /// instance as an <see cref="Microsoft.Extensions.Hosting.IHostedService"/>: a generic host starts the loop with the
    /// application and stops it gracefully at shutdown (at once when the shutdown time runs out). The container disposes it.
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
                Agents = sp.GetService<AgentRegistry>(),
            };
            configure?.Invoke(options);
            return new AutonomousEngine(config, options);
        });
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<AutonomousEngine>());
        return builder;
    }
}
