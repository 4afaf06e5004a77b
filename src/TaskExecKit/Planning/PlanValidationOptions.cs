using System.Text.Json;

namespace TaskExecKit.Planning;

/// <summary>What a plan is checked against: the agents that exist and which of them run commands.</summary>
public sealed class PlanValidationOptions
{
    /// <summary>
    /// Gets the names of the agents a task may name. Holds the built-in <c>noop</c> and
    /// <c>shell</c> to start with; add the agents your host registers.
    /// </summary>
    public ISet<string> Agents { get; } = new HashSet<string>(StringComparer.Ordinal) { "noop", "shell" };

    /// <summary>
    /// Gets the names of the agents that can run a task's <c>run</c> command. Holds <c>shell</c>
    /// to start with.
    /// </summary>
    public ISet<string> CommandAgents { get; } = new HashSet<string>(StringComparer.Ordinal) { "shell" };

    /// <summary>
    /// Gets or sets a value indicating whether agent names are checked. Set it to false to
    /// check a plan's shape before the agents are known. True by default.
    /// </summary>
    public bool CheckAgents { get; set; } = true;

    /// <summary>
    /// Gets the tool agents: for each agent that runs a tool named by the plan (<see cref="Agents.AgentRegistry.AddTools"/>),
    /// its tools by name, each with the JSON schema of its arguments. A task on such an agent must name one of its
    /// tools in <c>tool:</c> (unless it has only one) and give <c>args:</c> that match the tool's schema; a task that
    /// gives <c>tool:</c> or <c>args:</c> to another agent is a problem. Checked when <see cref="CheckAgents"/> is true.
    /// </summary>
    public IDictionary<string, IReadOnlyDictionary<string, JsonElement>> Tools { get; } = new Dictionary<string, IReadOnlyDictionary<string, JsonElement>>(StringComparer.Ordinal);
}
