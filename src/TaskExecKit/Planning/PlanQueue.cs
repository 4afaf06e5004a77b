namespace TaskExecKit.Planning;

/// <summary>
/// A named group of tasks: a version 1 queue (<c>1. **Queue A — Name**</c>), or the heading a
/// version 2 task stands under.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "A queue is the sot.md term users know (Queue A — ...).")]
public sealed class PlanQueue
{
    internal PlanQueue(string name, IReadOnlyList<PlanTask> tasks, SourceLocation? location)
    {
        Name = name;
        Tasks = tasks;
        Location = location;
    }

    /// <summary>Gets the queue's name, for example <c>Queue A — Workspace Bootstrapping</c>.</summary>
    public string Name { get; }

    /// <summary>Gets the queue's tasks in the order they were written.</summary>
    public IReadOnlyList<PlanTask> Tasks { get; }

    /// <summary>Gets where the queue was written, when the plan came from a file.</summary>
    public SourceLocation? Location { get; }

    /// <summary>Returns the queue's name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;
}
