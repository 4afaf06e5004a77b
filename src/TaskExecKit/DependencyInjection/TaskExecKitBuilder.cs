using Microsoft.Extensions.DependencyInjection;
using TaskExecKit.Telemetry;

namespace TaskExecKit;

/// <summary>
/// Configures the TaskExecKit services registered by
/// <see cref="TaskExecKitServiceCollectionExtensions.AddTaskExecKit"/>. Satellite packages add
/// extension methods to it (for example <c>UseSqlite</c>).
/// </summary>
public sealed class TaskExecKitBuilder
{
    private readonly List<Action<TelemetryOptions>> _telemetry = [];

    internal TaskExecKitBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Changes telemetry options; called in order when the <see cref="TelemetrySystem"/> is created.</summary>
    /// <param name="configure">Changes the options.</param>
    /// <returns>This builder.</returns>
    public TaskExecKitBuilder ConfigureTelemetry(Action<TelemetryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _telemetry.Add(configure);
        return this;
    }

    /// <summary>Keeps telemetry in the given store, under the given runtime directory.</summary>
    /// <param name="factory">Creates the store.</param>
    /// <param name="runtimeDirectory">The runtime directory, or null to keep the configured one.</param>
    /// <returns>This builder.</returns>
    public TaskExecKitBuilder UseTelemetryStore(ITelemetryStoreFactory factory, string? runtimeDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (runtimeDirectory is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(runtimeDirectory);
        }

        return ConfigureTelemetry(o =>
        {
            o.Store = factory;
            o.RuntimeDirectory = runtimeDirectory ?? o.RuntimeDirectory;
        });
    }

    internal TelemetryOptions BuildTelemetryOptions(IServiceProvider services)
    {
        var options = new TelemetryOptions
        {
            MeterFactory = services.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
            LoggerFactory = services.GetService<Microsoft.Extensions.Logging.ILoggerFactory>(),
            TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System,
        };
        foreach (var configure in _telemetry)
        {
            configure(options);
        }

        return options;
    }
}
