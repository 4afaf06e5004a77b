using TaskExecKit;
using TaskExecKit.Telemetry;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers TaskExecKit in a service collection.</summary>
public static class TaskExecKitServiceCollectionExtensions
{
    /// <summary>
    /// Registers TaskExecKit's services, among them a singleton <see cref="TelemetrySystem"/> that uses the
    /// container's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>, logger factory and <see cref="TimeProvider"/> when registered.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures TaskExecKit, for example <c>b =&gt; b.UseSqlite("runtime")</c>.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddTaskExecKit(this IServiceCollection services, Action<TaskExecKitBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new TaskExecKitBuilder(services);
        configure?.Invoke(builder);
        services.AddSingleton(sp => new TelemetrySystem(builder.BuildTelemetryOptions(sp)));
        return services;
    }
}
