using TaskExecKit.Agents;
using TaskExecKit.Configuration;
using TaskExecKit.Planning;

namespace TaskExecKit.Cli.Commands;

/// <summary>
/// The agents the CLI's commands know, in one place, so that <c>plan</c> checks names against what <c>run</c>
/// registers: the built-in <c>noop</c> and <c>shell</c>, the agents of <c>agents/*.toml</c>, and <c>ai</c>
/// (the AI agent of <c>ai.toml</c>, offline by default).
/// </summary>
internal static class CliAgents
{
    /// <summary>The name of the AI agent.</summary>
    internal const string AI = "ai";

    /// <summary>
    /// The catalog: built-ins, <c>agents/*.toml</c> and, when it can be set up, <c>ai</c>. When it cannot (a
    /// provider without its key or package), <paramref name="aiProblem"/> says why and <c>ai</c> is left out, so
    /// that the error a plan or hierarchy naming it gets can say so.
    /// </summary>
    /// <exception cref="ArgumentException">An <c>agents/*.toml</c> has a bad kind or settings; the message names the file and key.</exception>
    internal static AgentRegistry Catalog(EngineConfig config, Action<AIAgentBuilder>? configureAI, out string? aiProblem)
    {
        var registry = AgentRegistry.CreateDefault();
        aiProblem = null;
        try
        {
            registry.AddAI(ai =>
            {
                ai.Configure(config.AI);
                configureAI?.Invoke(ai);
            });
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            aiProblem = $"the ai agent of ai.toml cannot be set up: {ex.Message}";
        }

        // After ai: agents/ai.toml (kind "ai" by default) configures the agent above rather than a kind of its own.
        return registry.AddFromConfig(config);
    }

    /// <summary>What <c>plan</c> checks a plan against: the catalog's names (without building the AI agent).</summary>
    internal static PlanValidationOptions ValidationOptions(EngineConfig config)
    {
        // Only the names matter here: a stand-in for ai keeps agents/ai.toml from being read as an unknown kind.
        return AgentRegistry.CreateDefault().Add(AI, static () => new NoOpAgent()).AddFromConfig(config).CreateValidationOptions();
    }
}
