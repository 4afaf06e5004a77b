using Microsoft.Extensions.DependencyInjection;
using TaskExecKit.Agents;
using TaskExecKit.AI;
using TaskExecKit.Execution;
using TaskExecKit.Planning;
using TaskExecKit.Tests.Agents.Composition;

namespace TaskExecKit.Tests.AICosts;

public sealed class AddAIServiceTests
{
    [Fact]
    public async Task AddAI_WithDependencyInjection_RegistersTheAiAgentBuiltOnce()
    {
        using var dir = new TempDirectory();
        var services = new ServiceCollection();
        int configured = 0;
        services.AddTaskExecKit(b => b
            .ConfigureTelemetry(o =>
            {
                o.RuntimeDirectory = dir.Combine("runtime");
                o.DiscoverStore = false;
                o.WriteJsonLogs = false;
            })
            .AddAI((_, ai) =>
            {
                configured++;
                ai.Model("offline-di").OfflineRules(OfflineRule.Respond(".*", "done by di"));
            }));
        var provider = new SingletonProvider(services);
        await using var telemetry = provider.GetRequiredService<TaskExecKit.Telemetry.TelemetrySystem>();

        var registry = provider.GetRequiredService<AgentRegistry>();
        var plan = Plan.Builder().Task("T-1", t => t.Agent("ai").Description("anything")).Task("T-2", t => t.Agent("ai").Description("again").Needs("T-1")).Build();
        var result = await AgentTestKit.RunAsync(plan, registry);

        Assert.Contains("ai", registry.Names);
        Assert.Equal(TaskRunStatus.Succeeded, AgentTestKit.Task(result, "T-1").Status);
        Assert.Equal(TaskRunStatus.Succeeded, AgentTestKit.Task(result, "T-2").Status);
        Assert.Equal(1, configured);
    }

    /// <summary>Just enough of a container: singletons from instances or factories (created once), and IEnumerable of them.</summary>
    private sealed class SingletonProvider(IServiceCollection services) : IServiceProvider
    {
        private readonly Dictionary<ServiceDescriptor, object> _made = [];

        public object? GetService(Type serviceType)
        {
            if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                var item = serviceType.GetGenericArguments()[0];
                var found = services.Where(d => d.ServiceType == item).Select(Make).ToArray();
                var array = Array.CreateInstance(item, found.Length);
                Array.Copy(found, array, found.Length);
                return array;
            }

            var descriptor = services.LastOrDefault(d => d.ServiceType == serviceType);
            return descriptor is null ? null : Make(descriptor);
        }

        private object Make(ServiceDescriptor descriptor)
        {
            lock (_made)
            {
                if (!_made.TryGetValue(descriptor, out var instance))
                {
                    instance = descriptor.ImplementationInstance ?? descriptor.ImplementationFactory!(this);
                    _made[descriptor] = instance;
                }

                return instance;
            }
        }
    }
}
