using System.Buffers;
using System.Text;

namespace TaskExecKit.Planning;

/// <summary>
/// A validated-before-use task graph: queues of tasks with their agents, commands,
/// dependencies, effects, timeouts and retries. Read one from a markdown source of truth
/// (<see cref="FromSot(string, PlanReadOptions?)"/>), from plan.json (<see cref="Load(string, PlanReadOptions?)"/>)
/// or build one in code (<see cref="Builder"/>); check it with <see cref="Validate"/> and
/// understand it with <see cref="Analyze"/>. A plan is immutable.
/// </summary>
public sealed class Plan
{
    private Dictionary<string, PlanTask>? _byId;

    internal Plan(
        int version,
        string? source,
        DateTimeOffset generatedAt,
        IReadOnlyList<PlanQueue> queues,
        string? filePath,
        IReadOnlyList<PlanDiagnostic>? readDiagnostics = null)
    {
        Version = version;
        Source = source;
        GeneratedAt = generatedAt;
        Queues = queues;
        FilePath = filePath;
        ReadDiagnostics = readDiagnostics ?? [];
        var tasks = new List<PlanTask>();
        foreach (var queue in queues)
        {
            tasks.AddRange(queue.Tasks);
        }

        Tasks = tasks;
    }

    /// <summary>
    /// Gets the plan's format version: 1 for the legacy queue-only format (queues run in order,
    /// tasks in a queue are independent), 2 when tasks say what they are and what they need.
    /// </summary>
    public int Version { get; }

    /// <summary>Gets the source of truth the plan was made from, relative to the working directory, or null.</summary>
    public string? Source { get; }

    /// <summary>Gets when the plan was made (UTC).</summary>
    public DateTimeOffset GeneratedAt { get; }

    /// <summary>Gets the queues in the order they appear.</summary>
    public IReadOnlyList<PlanQueue> Queues { get; }

    /// <summary>Gets every task, queue by queue, in the order they appear.</summary>
    public IReadOnlyList<PlanTask> Tasks { get; }

    /// <summary>Gets the file the plan was read from (sot.md or plan.json), or null.</summary>
    internal string? FilePath { get; }

    /// <summary>Gets the problems found while reading attributes (malformed durations, effects, argv...).</summary>
    internal IReadOnlyList<PlanDiagnostic> ReadDiagnostics { get; }

    internal string DisplayName => FilePath ?? Source ?? "code";

    /// <summary>Starts a plan in code.</summary>
    /// <returns>A builder; call <see cref="PlanBuilder.Build"/> to get the plan.</returns>
    /// <example><code>
    /// Plan plan = Plan.Builder()
    ///     .Task("build", t => t.Agent("noop"))
    ///     .Task("test", t => t.Agent("noop").Needs("build"))
    ///     .Build();
    /// </code></example>
    public static PlanBuilder Builder() => new();

    /// <summary>
    /// Reads a markdown source of truth. A file with task-list items that carry a backticked id
    /// (<c>- [ ] `TASK-010` Title</c>) is read as version 2; otherwise the legacy
    /// <c>### G. Execution Queue &amp; Task Hooks</c> section is read as version 1.
    /// Malformed attributes do not throw: <see cref="Validate"/> reports them with every other problem.
    /// </summary>
    /// <param name="path">The sot.md file.</param>
    /// <param name="options">Time and working directory; defaults when null.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static Plan FromSot(string path, PlanReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= PlanReadOptions.Default;
        string text = File.ReadAllText(path, Encoding.UTF8);
        return SotReader.Read(text, path, options.SourceFor(path), options.Now());
    }

    /// <summary>Reads markdown source-of-truth text that is already in memory.</summary>
    /// <param name="markdown">The sot.md text.</param>
    /// <param name="source">The name to record as the plan's source, or null.</param>
    /// <param name="options">Time; defaults when null.</param>
    /// <returns>The plan.</returns>
    public static Plan ParseSot(string markdown, string? source = null, PlanReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        options ??= PlanReadOptions.Default;
        return SotReader.Read(markdown, null, source, options.Now());
    }

    /// <summary>Reads a plan.json (version 1 or 2).</summary>
    /// <param name="path">The plan.json file.</param>
    /// <param name="options">Reserved for symmetry with <see cref="FromSot"/>; defaults when null.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="PlanParseException">The file is not a plan.json; the message names line, column and problem.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static Plan Load(string path, PlanReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _ = options;
        using (var handle = File.OpenHandle(path))
        {
            // A pooled buffer rather than File.ReadAllBytes: a plan.json of thousands of tasks is
            // megabytes, and a fresh large-object array per load costs a gen2 collection now and then.
            // Files that report no length (pipes, procfs) or a huge one are read as before.
            long length = RandomAccess.GetLength(handle);
            if (length > 0 && length <= Array.MaxLength)
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
                try
                {
                    int read = 0;
                    int n;
                    while (read < length && (n = RandomAccess.Read(handle, buffer.AsSpan(read, (int)length - read), read)) > 0)
                    {
                        read += n;
                    }

                    return PlanJsonReader.Read(buffer, read, path);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }

        return PlanJsonReader.Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads plan.json text that is already in memory.</summary>
    /// <param name="json">The plan.json text.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="PlanParseException">The text is not a plan.json.</exception>
    public static Plan ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return PlanJsonReader.Read(Encoding.UTF8.GetBytes(json), null);
    }

    /// <summary>
    /// Writes the plan as plan.json: version 1 plans exactly in the legacy shape and key order,
    /// version 2 plans with every attribute. The file is replaced only once the new one is
    /// completely written.
    /// </summary>
    /// <param name="path">Where to write.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        string temp = full + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            File.WriteAllBytes(temp, PlanJsonWriter.Write(this));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Returns the plan as plan.json text.</summary>
    /// <returns>The JSON.</returns>
    public string ToJson() => PlanJsonWriter.WriteString(this);

    /// <summary>Finds a task by id.</summary>
    /// <param name="id">The task's id.</param>
    /// <param name="task">The task (the first with that id), when found.</param>
    /// <returns>True when the plan has the task.</returns>
    public bool TryGetTask(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PlanTask? task)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (_byId is null)
        {
            var map = new Dictionary<string, PlanTask>(Tasks.Count, StringComparer.Ordinal);
            foreach (var t in Tasks)
            {
                map.TryAdd(t.Id, t);
            }

            _byId = map;
        }

        return _byId.TryGetValue(id, out task);
    }

    /// <summary>
    /// Checks the plan and reports every problem at once, each with file, line and column when
    /// the plan came from a file: duplicate ids, unknown dependencies, cycles (with their path),
    /// unknown agents, malformed effects, durations and commands, and commands given to an agent
    /// that cannot run them.
    /// </summary>
    /// <param name="options">Which agents exist; the built-in <c>noop</c> and <c>shell</c> when null.</param>
    /// <returns>The result; <see cref="PlanValidation.IsValid"/> is true when there is nothing to fix.</returns>
    public PlanValidation Validate(PlanValidationOptions? options = null)
        => PlanValidator.Validate(this, options ?? new PlanValidationOptions());

    /// <summary>Checks the plan and throws when it has problems.</summary>
    /// <param name="options">Which agents exist; the built-in <c>noop</c> and <c>shell</c> when null.</param>
    /// <exception cref="PlanValidationException">The plan has problems; the exception lists every one.</exception>
    public void EnsureValid(PlanValidationOptions? options = null)
    {
        var result = Validate(options);
        if (!result.IsValid)
        {
            throw new PlanValidationException(DisplayName, result.Diagnostics);
        }
    }

    /// <summary>
    /// Computes what you need to trust a plan before running it: topological levels, the
    /// critical path and its length, the maximum width (the most workers that can help), and
    /// wall-time estimates for a number of workers.
    /// </summary>
    /// <param name="options">Durations to assume (history, defaults); defaults when null.</param>
    /// <returns>The analysis.</returns>
    /// <exception cref="PlanValidationException">The plan's dependencies are not a graph that can run (a cycle, an unknown or duplicate id).</exception>
    public PlanAnalysis Analyze(PlanAnalysisOptions? options = null)
        => PlanAnalyzer.Analyze(this, options ?? new PlanAnalysisOptions());

    /// <summary>Returns a short description: source, version, queue and task counts.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
        => $"plan v{Version} from {Source ?? "code"}: {Queues.Count} queue(s), {Tasks.Count} task(s)";
}
