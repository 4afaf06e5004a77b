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

    /// <summary>
    /// Registers the <c>ai</c> agent (see <see cref="AIAgentRegistryExtensions.AddAI"/>): a plan task with
    /// <c>agent: ai</c> runs its description as a prompt, with <c>ShellTool</c> and <c>FileTool</c> gated by the
    /// task's effect policy. The agent starts offline, records its model calls in the container's
    /// <see cref="Telemetry.TelemetrySystem"/>, and is built once, the first time a run asks for it (a wrong option
    /// throws then, naming it; <see cref="AIAgentRegistryExtensions.AddAI"/> builds at once, if you want the error earlier).
    /// </summary>
    /// <param name="builder">The TaskExecKit builder.</param>
    /// <param name="configure">Configures the agent with the container's services, e.g. <c>(sp, ai) =&gt; ai.Configure(config.AI)</c>.</param>
    /// <returns>The builder.</returns>
    public static TaskExecKitBuilder AddAI(this TaskExecKitBuilder builder, Action<IServiceProvider, AIAgentBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(sp => new AIAgentHolder(AIAgentRegistryExtensions.CreateTaskAgent(ai =>
        {
            if (sp.GetService<Telemetry.TelemetrySystem>() is { } telemetry)
            {
                ai.Telemetry(telemetry);
            }

            configure?.Invoke(sp, ai);
        })));
        return builder.AddAgent("ai", static sp => sp.GetRequiredService<AIAgentHolder>().Agent);
    }

    /// <summary>The one <c>ai</c> agent of a container (it holds no per-run state).</summary>
    private sealed record AIAgentHolder(ITaskAgent Agent);

    private sealed record AgentRegistration(string Name, Func<IServiceProvider, ITaskAgent> Factory, bool RunsCommands, int PoolSize);
}
