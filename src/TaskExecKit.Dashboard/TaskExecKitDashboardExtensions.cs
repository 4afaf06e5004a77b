using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace TaskExecKit.Dashboard;

/// <summary>Adds the TaskExecKit dashboard to an ASP.NET Core host: one <c>Add</c> for services, one <c>Map</c> for endpoints.</summary>
/// <example><code>
/// builder.Services.AddTaskExecKitDashboard(o => { o.RuntimeDirectory = "runtime"; o.RunsDirectory = "runs"; });
/// var app = builder.Build();
/// app.MapTaskExecKitDashboard("/tek");
/// </code></example>
public static class TaskExecKitDashboardExtensions
{
    /// <summary>Registers the dashboard's services and its change watcher.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options; null keeps the defaults.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddTaskExecKitDashboard(this IServiceCollection services, Action<DashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new DashboardOptions();
        configure?.Invoke(options);
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton<DashboardState>();
        services.TryAddSingleton<ChangeHub>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ChangeHubService>());
        return services;
    }

    /// <summary>
    /// Maps the dashboard's page, assets, live event stream, JSON API and control actions under <paramref name="prefix"/>.
    /// Creates (and hands out once) the access token when none is configured or stored yet.
    /// </summary>
    /// <param name="endpoints">The endpoints.</param>
    /// <param name="prefix">Where the dashboard lives, for example <c>/tek</c>.</param>
    /// <returns>The endpoint group, to add conventions to (it must stay reachable anonymously: the dashboard checks its own token).</returns>
    /// <exception cref="InvalidOperationException"><see cref="AddTaskExecKitDashboard"/> was not called.</exception>
    public static RouteGroupBuilder MapTaskExecKitDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/tek")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        if (!prefix.StartsWith('/'))
        {
            throw new ArgumentException($"The dashboard prefix must start with '/', not '{prefix}'.", nameof(prefix));
        }

        var state = endpoints.ServiceProvider.GetService<DashboardState>()
            ?? throw new InvalidOperationException("Call services.AddTaskExecKitDashboard() before app.MapTaskExecKitDashboard().");
        state.EnsureToken();
        return DashboardEndpoints.Map(endpoints, prefix.TrimEnd('/'), state);
    }
}
