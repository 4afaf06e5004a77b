namespace TaskExecKit.Execution;

/// <summary>Whether a progress report says a task started or finished.</summary>
public enum TaskProgressKind
{
    /// <summary>The task's first attempt is starting.</summary>
    Started,

    /// <summary>The task finished; <see cref="TaskProgress.Result"/> says how.</summary>
    Finished,
}

/// <summary>A change in a run: a task started or finished, with how far the run has come.</summary>
/// <param name="Kind">Whether the task started or finished.</param>
/// <param name="TaskId">The task.</param>
/// <param name="Result">The task's result when it finished; null when it started.</param>
/// <param name="FinishedCount">How many tasks of the run have finished, this one included.</param>
/// <param name="TotalCount">How many tasks the run has.</param>
public readonly record struct TaskProgress(TaskProgressKind Kind, string TaskId, TaskRunResult? Result, int FinishedCount, int TotalCount)
{
    /// <summary>Gets the name of the agent that runs the task (set when it started; a finished task's is in <see cref="Result"/>).</summary>
    public string? Agent { get; init; }
}
