using System.Globalization;
using TaskExecKit.Configuration;

namespace TaskExecKit.Agents;

/// <summary>Registers the agents configured in <c>agents/*.toml</c>.</summary>
public static class AgentRegistryConfigExtensions
{
    /// <summary>
    /// Registers every agent of <see cref="EngineConfig.Agents"/> whose name is not registered yet, by
    /// its <c>kind</c>: <c>noop</c>, <c>shell</c> or <c>composite</c> (settings <c>mode</c> =
    /// sequence | parallel | first_success | vote, <c>members</c> = comma-separated agent names,
    /// <c>max_concurrency</c>, <c>rule</c> = majority | unanimous | at_least:N). A <c>pool_size</c>
    /// above 1 registers a pooled kind of that size. Names already registered keep their registration.
    /// </summary>
    /// <param name="registry">The registry.</param>
    /// <param name="config">The loaded configuration.</param>
    /// <returns>The registry.</returns>
    /// <exception cref="ArgumentException">An agent has an unknown kind or bad settings; the message names <c>agents/&lt;name&gt;.toml</c> and the key.</exception>
    public static AgentRegistry AddFromConfig(this AgentRegistry registry, EngineConfig config)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(config);
        var added = new List<AgentSettings>();
        foreach (var (name, settings) in config.Agents.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (registry.Contains(name))
            {
                continue;
            }

            Func<ITaskAgent> factory = settings.Kind switch
            {
                "noop" => static () => new NoOpAgent(),
                "shell" => static () => new ShellAgent(),
                "composite" => Composite(registry, settings),
                _ => throw new ArgumentException($"agents/{name}.toml: kind '{settings.Kind}' is not a kind this registry can make; kinds: noop, shell, composite (register other kinds in code).", nameof(config)),
            };
            bool runsCommands = settings.Kind == "shell";
            if (settings.PoolSize > 1)
            {
                registry.AddPooled(name, factory, settings.PoolSize, runsCommands);
            }
            else
            {
                registry.Add(name, factory, runsCommands);
            }

            added.Add(settings);
        }

        foreach (var settings in added.Where(s => s.Kind == "composite"))
        {
            foreach (var member in Members(settings).Where(m => !registry.Contains(m)))
            {
                throw new ArgumentException($"agents/{settings.Name}.toml: settings.members names '{member}', which is not registered; registered agents: {string.Join(", ", registry.Names.Order(StringComparer.Ordinal))}.", nameof(config));
            }
        }

        return registry;
    }

    private static string[] Members(AgentSettings settings)
        => settings.Settings.TryGetValue("members", out var text) ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

    private static Func<ITaskAgent> Composite(AgentRegistry registry, AgentSettings settings)
    {
        string file = $"agents/{settings.Name}.toml";
        var members = Members(settings);
        if (members.Length == 0)
        {
            throw new ArgumentException($"{file}: a composite needs settings.members, a comma-separated list of agent names.");
        }

        int concurrency = 1;
        if (settings.Settings.TryGetValue("max_concurrency", out var c) && (!int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out concurrency) || concurrency is < 1 or > 64))
        {
            throw new ArgumentException($"{file}: settings.max_concurrency must be a whole number from 1 to 64, not '{c}'.");
        }

        string mode = settings.Settings.TryGetValue("mode", out var m) ? m : "sequence";
        VoteRule rule = VoteRule.Majority;
        if (settings.Settings.TryGetValue("rule", out var r))
        {
            rule = r switch
            {
                "majority" => VoteRule.Majority,
                "unanimous" => VoteRule.Unanimous,
                _ when r.StartsWith("at_least:", StringComparison.Ordinal) && int.TryParse(r.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k >= 1 => VoteRule.AtLeast(k),
                _ => throw new ArgumentException($"{file}: settings.rule is '{r}'; use majority, unanimous or at_least:N."),
            };
        }

        if (mode is not ("sequence" or "parallel" or "first_success" or "vote"))
        {
            throw new ArgumentException($"{file}: settings.mode is '{mode}'; use sequence, parallel, first_success or vote.");
        }

        return () =>
        {
            var agents = members.Select(registry.Create).ToArray();
            return mode switch
            {
                "parallel" => CompositeAgent.Parallel(concurrency, agents),
                "first_success" => CompositeAgent.FirstSuccess(agents),
                "vote" => CompositeAgent.Vote(rule, concurrency, agents),
                _ => CompositeAgent.Sequence(agents),
            };
        };
    }
}
