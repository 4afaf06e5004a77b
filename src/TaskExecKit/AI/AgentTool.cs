using Microsoft.Extensions.AI;

namespace TaskExecKit.AI;

/// <summary>
/// A built-in tool an <see cref="AIAgent"/> can offer the model (<see cref="ShellTool"/>,
/// <see cref="FileTool"/>). Each exposes one or more functions; every call is checked against the
/// agent's effect policy before it runs. For your own tools pass an <see cref="AIFunction"/> instead.
/// </summary>
public abstract class AgentTool
{
    private protected AgentTool()
    {
    }

    /// <summary>Gets the names of the functions the model sees, e.g. <c>file_read</c>.</summary>
    public abstract IReadOnlyList<string> FunctionNames { get; }

    /// <summary>Creates the tool's functions for one run, each gated by that run's policy.</summary>
    internal abstract IEnumerable<AIFunction> CreateFunctions(AgentRun run);
}
