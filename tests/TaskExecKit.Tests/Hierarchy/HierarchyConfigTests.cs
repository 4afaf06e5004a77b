using Microsoft.Extensions.DependencyInjection;
using TaskExecKit.Agents;
using TaskExecKit.Configuration;
using TaskExecKit.Hierarchy;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Hierarchy;

public sealed class HierarchyConfigTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Configure_HierarchyToml_BuildsTheCommandersWithTheirShares()
    {
        string path = _temp.File("hierarchy.toml", """
            name = "chief"
            split = "queue"
            max_delegation_depth = 2
            on_failure = "escalate"

            [budget]
            max_tokens = 9000
            max_tasks = 30
            max_concurrency = 3
            max_wall_time = "10m"

            [[commanders]]
            name = "build"
            queues = ["Build"]
            agents = ["noop", "shell"]
            weight = 2
            delegates_to = ["docs"]

            [[commanders]]
            name = "docs"
            queues = ["Docs"]
            agents = ["noop"]
            """);

        var cecca = Cecca.Builder().Configure(path, AgentRegistry.CreateDefault()).Build();

        Assert.Equal("chief", cecca.Name);
        Assert.Equal(2, cecca.MaxDelegationDepth);
        Assert.Equal(["build", "docs"], cecca.Commanders.Select(c => c.Name));
        Assert.Equal(new Budget(6000, null, TimeSpan.FromMinutes(10), 20, 2), cecca.Commanders[0].Budget);
        Assert.Equal(new Budget(3000, null, TimeSpan.FromMinutes(10), 10, 1), cecca.Commanders[1].Budget);
        var result = await cecca.RunAsync(Plan.ParseSot("# Docs\n- [ ] `D-1` notes\n  - agent: noop\n"), "config");
        Assert.True(result.Succeeded);
        Assert.Equal("docs", result.RanOn["D-1"]);
    }

    [Fact]
    public void Configure_Problems_AreAllReportedWithTheirLines()
    {
        string path = _temp.File("hierarchy.toml", """
            split = "random"

            [[commanders]]
            name = "a"
            agents = ["ghost"]
            colour = "red"
            """);

        var ex = Assert.Throws<ConfigurationException>(() => Cecca.Builder().Configure(path, AgentRegistry.CreateDefault()));

        Assert.Contains(ex.Problems, p => p.Line == 1 && p.Message.Contains("use auto, queue or layer", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Message.Contains("'ghost', which is not registered; registered agents: noop, shell", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.Line == 6 && p.Message.Contains("unknown key 'colour'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddFromConfig_AgentsToml_RegistersCompositeAndPooledKinds()
    {
        string config = _temp.CreateDirectory("config");
        _temp.File("config/agents/double.toml", """
            kind = "composite"
            [settings]
            mode = "vote"
            members = "noop, quiet"
            rule = "unanimous"
            max_concurrency = "2"
            """);
        _temp.File("config/agents/quiet.toml", """
            kind = "noop"
            pool_size = 3
            """);

        var registry = AgentRegistry.CreateDefault().AddFromConfig(EngineConfig.Load(config));

        Assert.Equal(["double", "noop", "quiet", "shell"], registry.Names.Order(StringComparer.Ordinal));
        await using var lease = await registry.SpawnAsync("quiet");
        Assert.True(lease.IsPooled);
        var result = await Agents.Composition.AgentTestKit.RunAsync(Plan.Builder().Task("T-1", t => t.Agent("double")).Build(), registry);
        Assert.True(result.Status == TaskExecKit.Execution.RunStatus.Succeeded);
    }

    [Fact]
    public void AddFromConfig_UnknownKind_NamesTheFile()
    {
        string config = _temp.CreateDirectory("config");
        _temp.File("config/agents/odd.toml", "kind = \"quantum\"\n");

        var ex = Assert.Throws<ArgumentException>(() => new AgentRegistry().AddFromConfig(EngineConfig.Load(config)));

        Assert.Contains("agents/odd.toml: kind 'quantum'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAgent_WithDependencyInjection_ProvidesARegistryWithTheAgent()
    {
        var services = new ServiceCollection();
        services.AddSingleton(new NoOpAgent());
        services.AddTaskExecKit(b => b.AddAgent("injected", sp => sp.GetRequiredService<NoOpAgent>()));
        var provider = new DescriptorProvider(services);

        var descriptor = Assert.Single(services, d => d.ServiceType == typeof(AgentRegistry));
        var registry = (AgentRegistry)descriptor.ImplementationFactory!(provider);

        Assert.Equal(["injected", "noop", "shell"], registry.Names.Order(StringComparer.Ordinal));
    }

    /// <summary>Just enough of a container: singletons by instance, and IEnumerable of them.</summary>
    private sealed class DescriptorProvider(IServiceCollection services) : IServiceProvider
    {
        public object? GetService(Type serviceType)
        {
            if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                var item = serviceType.GetGenericArguments()[0];
                var found = services.Where(d => d.ServiceType == item && d.ImplementationInstance is not null).Select(d => d.ImplementationInstance!).ToArray();
                var array = Array.CreateInstance(item, found.Length);
                Array.Copy(found, array, found.Length);
                return array;
            }

            return services.LastOrDefault(d => d.ServiceType == serviceType)?.ImplementationInstance;
        }
    }
}
