using System.Text.Json;
using TaskExecKit.Effects;

namespace TaskExecKit.Planning;

/// <summary>
/// One task of a plan: what it is (id, title, queue, layer), who runs it (agent, command),
/// what it needs first, what it may do (effects), and how long and how often it may try.
/// Create tasks with <see cref="Plan.Builder"/> or by reading a sot.md or plan.json.
/// </summary>
public sealed class PlanTask
{
    internal PlanTask(
        string id,
        string title,
        string queue,
        string layer,
        string? agent,
        IReadOnlyList<string>? run,
        IReadOnlyList<string> needs,
        IReadOnlyList<Capability> effects,
        TimeSpan? timeout,
        int? retries,
        string? description,
        bool isDone,
        SourceLocation? location,
        AttributeLocations? attributeLocations = null,
        bool isIdempotent = true,
        string? tool = null,
        JsonElement? arguments = null)
    {
        Tool = tool;
        Arguments = arguments;
        Id = id;
        Title = title;
        Queue = queue;
        Layer = layer;
        Agent = agent;
        Run = run;
        Needs = needs;
        Effects = effects;
        Timeout = timeout;
        Retries = retries;
        Description = description;
        IsDone = isDone;
        Location = location;
        AttributeLocations = attributeLocations;
        IsIdempotent = isIdempotent;
    }

    /// <summary>Gets the task's id, unique in its plan (for example <c>TASK-010</c>).</summary>
    public string Id { get; }

    /// <summary>Gets the task's title; a version 1 task's title is its id.</summary>
    public string Title { get; }

    /// <summary>Gets the name of the queue (the heading) the task belongs to.</summary>
    public string Queue { get; }

    /// <summary>
    /// Gets the task's layer: as written, or by default from its number (1-21 <c>foundation</c>,
    /// 22-29 <c>orchestration</c>, 30-41 <c>platform</c>, 42-53 <c>services</c>,
    /// 54-61 <c>monitoring</c>, otherwise <c>execution</c>).
    /// </summary>
    public string Layer { get; }

    /// <summary>
    /// Gets the agent that runs the task as written, or null when the plan leaves it to the
    /// runner (a task with a <see cref="Run"/> command then runs on <c>shell</c>, one without on
    /// <c>noop</c>, a version 1 task on its layer's agent from config/manifest.json).
    /// </summary>
    public string? Agent { get; }

    /// <summary>Gets the command to run as an argument vector (never given to a shell), or null.</summary>
    public IReadOnlyList<string>? Run { get; }

    /// <summary>
    /// Gets the ids of the tasks that must succeed before this one starts. In a version 1 plan
    /// this is empty: its queues run in order instead.
    /// </summary>
    public IReadOnlyList<string> Needs { get; }

    /// <summary>Gets the effects the plan grants this task.</summary>
    public IReadOnlyList<Capability> Effects { get; }

    /// <summary>Gets how long one attempt may take, or null for the configured default.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Gets how many times a failed attempt is retried, or null for the configured default.</summary>
    public int? Retries { get; }

    /// <summary>Gets a longer description of the task, or null.</summary>
    public string? Description { get; }

    /// <summary>
    /// Gets a value indicating whether the plan marks the task as already done (<c>[x]</c>): it
    /// is recorded as skipped and the tasks that need it may run.
    /// </summary>
    public bool IsDone { get; }

    /// <summary>
    /// Gets a value indicating whether running the task twice is harmless (true unless the plan says
    /// <c>idempotent: false</c>). When a journaled run is resumed, a non-idempotent task that was in flight at the
    /// crash is not run again: it is marked <see cref="Execution.TaskRunStatus.NeedsReview"/> for a person to check.
    /// </summary>
    public bool IsIdempotent { get; }

    /// <summary>
    /// Gets the tool a tool agent runs for this task (<c>tool:</c>), or null: a tool agent with one tool runs that
    /// one. Checked at plan validation against the tools of the task's agent.
    /// </summary>
    public string? Tool { get; }

    /// <summary>
    /// Gets the arguments a tool agent calls its tool with (<c>args:</c>), a JSON object, or null for none.
    /// Checked at plan validation against the tool's JSON schema.
    /// </summary>
    public JsonElement? Arguments { get; }

    /// <summary>Gets where the task was written, when the plan came from a file.</summary>
    public SourceLocation? Location { get; }

    internal AttributeLocations? AttributeLocations { get; }

    internal SourceLocation? LocationOf(string attribute)
        => AttributeLocations is not null && AttributeLocations.TryGet(attribute, out var at) ? at : Location;

    /// <summary>Returns the task's id and title.</summary>
    /// <returns>The id and title.</returns>
    public override string ToString() => Title == Id ? Id : $"{Id} {Title}";
}
