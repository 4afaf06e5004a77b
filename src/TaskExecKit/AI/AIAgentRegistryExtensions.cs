using TaskExecKit.AI;

namespace TaskExecKit.Agents;

/// <summary>Registers the <c>ai</c> agent, which runs an <see cref="AIAgent"/> for plan tasks.</summary>
public static class AIAgentRegistryExtensions
{
    /// <summary>
    /// Registers the <c>ai</c> agent: a task with <c>agent: ai</c> runs its description (or its title)
    /// as a prompt, with <see cref="ShellTool"/> and <see cref="FileTool"/> gated by the task's effect
    /// policy. The builder starts with <see cref="AIProvider.Offline"/>; <paramref name="configure"/> may
    /// change the provider, client, model, limits and the rest. Grants and the base directory given to
    /// the builder are not used: the task's policy decides. The agent is built here, so a wrong option
    /// throws now, not in the middle of a run.
    /// </summary>
    /// <param name="registry">The registry.</param>
    /// <param name="configure">Configures the agent; do not add <c>ShellTool</c> or <c>FileTool</c> again.</param>
    /// <returns>The registry.</returns>
    /// <exception cref="InvalidOperationException">An option of the agent is missing or wrong; the message names it.</exception>
    /// <exception cref="ArgumentException">An agent named <c>ai</c> is already registered.</exception>
    public static AgentRegistry AddAI(this AgentRegistry registry, Action<AIAgentBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var agent = CreateTaskAgent(configure);
        return registry.Add("ai", () => agent);
    }

    /// <summary>Builds the <c>ai</c> agent: offline, <see cref="ShellTool"/> and <see cref="FileTool"/>, id <c>ai</c>, then <paramref name="configure"/>.</summary>
    internal static ITaskAgent CreateTaskAgent(Action<AIAgentBuilder>? configure)
    {
        AIAgentBuilder builder = AIAgent.Builder().Provider(AIProvider.Offline).Tools(new ShellTool(), new FileTool()).Id("ai");
        configure?.Invoke(builder);
        return new AITaskAgent(builder.Build());
    }
}
