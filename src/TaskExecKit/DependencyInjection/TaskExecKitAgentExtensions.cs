using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TaskExecKit.Agents;

namespace TaskExecKit;

/// <summary>Registers agents with dependency injection: the container then provides an <see cref="AgentRegistry"/> with the built-in agents and these.</summary>
public static class TaskExecKitAgentExtensions
{
    /// <summary>
    /// Registers an agent made from the container's services. The container's <see cref="AgentRegistry"/>
    /// (a singleton) holds <c>noop</c>, <c>shell</c> and every agent added this way.
    /// </summary>
    /// <param name="builder">The TaskExecKit builder.</param>
    /// <param name="name">The name plans use in <c>agent:</c>.</param>
    /// <param name="factory">Makes the agent; called once per run that uses it.</param>
    /// <param name="runsCommands">True when the agent runs a task's <c>run</c> command.</param>
    /// <param name="poolSize">Above 1: a pooled kind with at most this many instances (<see cref="AgentRegistry.AddPooled"/>).</param>
    /// <returns>The builder.</returns>
    public static TaskExecKitBuilder AddAgent(this TaskExecKitBuilder builder, string name, Func<IServiceProvider, ITaskAgent> factory, bool runsCommands = false, int poolSize = 1)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.AddSingleton(new AgentRegistration(name, factory, runsCommands, poolSize));
        builder.Services.TryAddSingleton(static sp =>
        {
            var registry = AgentRegistry.CreateDefault();
            foreach (var r in sp.GetServices<AgentRegistration>())
            {
                if (r.PoolSize > 1)
                {
                    registry.AddPooled(r.Name, () => r.Factory(sp), r.PoolSize, r.RunsCommands);
                }
                else
                {
                    registry.Add(r.Name, () => r.Factory(sp), r.RunsCommands);
                }
            }

            return registry;
        });
        return builder;
    }

    private sealed record AgentRegistration(string Name, Func<IServiceProvider, ITaskAgent> Factory, bool RunsCommands, int PoolSize);
}
