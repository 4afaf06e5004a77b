using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using TaskExecKit.Effects;

namespace TaskExecKit.Agents;

/// <summary>
/// Runs one tool, or a fixed sequence of tools, without a model: each <see cref="ToolStep"/> calls an
/// <see cref="AIFunction"/> with arguments taken from the plan task. Every call is checked against
/// the task's policy as <c>tool:&lt;name&gt;</c> first (and audited); a denied call ends the task as
/// denied and the tool does not run. A step that throws fails the task; later steps do not run.
/// Each step's result is written to the task's log.
/// </summary>
/// <example><code>
/// var lint = AIFunctionFactory.Create((string path) => Lint(path), "lint");
/// registry.Add("lint", () => new ToolAgent(ToolStep.Create(lint, new() { ["path"] = "{description}" })));
/// </code></example>
public sealed class ToolAgent : ITaskAgent
{
    private readonly ToolStep[] _steps;
    private readonly bool _fromPlan;

    /// <summary>Creates an agent that runs the steps in order.</summary>
    /// <param name="steps">At least one step.</param>
    /// <exception cref="ArgumentException">No steps.</exception>
    public ToolAgent(params ToolStep[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Length == 0 || steps.Any(s => s is null))
        {
            throw new ArgumentException("A tool agent needs at least one step, and no step may be null.", nameof(steps));
        }

        _steps = [.. steps];
    }

    private ToolAgent(ToolStep[] steps, bool fromPlan)
    {
        _steps = steps;
        _fromPlan = fromPlan;
        PlanTools = steps.ToDictionary(s => s.Function.Name, s => s.Function.JsonSchema.Clone(), StringComparer.Ordinal);
    }

    /// <summary>
    /// Creates an agent that runs, for each task, the one tool the task names in <c>tool:</c> (or the only tool, when
    /// there is one) with the task's <c>args:</c> as its arguments (typed JSON values, bound to the tool's parameters).
    /// Register it with <see cref="AgentRegistry.AddTools"/> so that plan validation checks each task's tool and
    /// arguments against the tool's JSON schema before anything runs. Each call is checked as <c>tool:&lt;name&gt;</c>
    /// against the task's policy first, as for any tool agent.
    /// </summary>
    /// <param name="tools">The tools, with distinct names.</param>
    /// <returns>The agent.</returns>
    /// <exception cref="ArgumentException">No tools, a null tool, or two tools of one name.</exception>
    public static ToolAgent ForPlan(params AIFunction[] tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        if (tools.Length == 0 || tools.Any(t => t is null))
        {
            throw new ArgumentException("A tool agent needs at least one tool, and no tool may be null.", nameof(tools));
        }

        if (tools.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Two tools are named '{twice.Key}'; a task could not tell them apart.", nameof(tools));
        }

        return new ToolAgent([.. tools.Select(ToolStep.FromPlan)], fromPlan: true);
    }

    /// <summary>Gets, for an agent made by <see cref="ForPlan"/>, its tools' names and argument schemas; empty otherwise.</summary>
    internal IReadOnlyDictionary<string, JsonElement> PlanTools { get; } = new Dictionary<string, JsonElement>();

    /// <summary>Gets the steps, in the order they run.</summary>
    public IReadOnlyList<ToolStep> Steps => _steps;

    /// <inheritdoc />
    public async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        IEnumerable<ToolStep> steps = _steps;
        if (_fromPlan)
        {
            var chosen = context.Task.Tool is { } named
                ? Array.Find(_steps, s => string.Equals(s.Function.Name, named, StringComparison.Ordinal))
                : _steps.Length == 1 ? _steps[0] : null;
            if (chosen is null)
            {
                string tools = string.Join(", ", _steps.Select(s => s.Function.Name).Order(StringComparer.Ordinal));
                return AgentResult.Failure(context.Task.Tool is { } missing
                    ? $"task {context.Task.Id} names tool '{missing}', which this tool agent does not have; its tools: {tools}"
                    : $"task {context.Task.Id} names no tool (tool:), and this tool agent has several: {tools}");
            }

            steps = [chosen];
        }

        foreach (var step in steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Denied: throws EffectDeniedException after the auditor heard of it; the executor records the task as denied.
            context.Demand(Capability.Tool(step.Function.Name));
            AIFunctionArguments arguments;
            try
            {
                arguments = step.ArgumentsFor(context);
            }
            catch (ArgumentException ex)
            {
                return AgentResult.Failure($"tool {step.Function.Name}: bad arguments: {ex.Message}");
            }

            object? result;
            try
            {
                result = await step.Function.InvokeAsync(arguments, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                await context.Log.WriteLineAsync($"tool {step.Function.Name}: failed: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
                return AgentResult.Failure($"tool {step.Function.Name} failed: {ex.Message}", isTransient: ex is TaskExecKitException { IsTransient: true } or TimeoutException);
            }

            await context.Log.WriteLineAsync($"tool {step.Function.Name}: {Describe(result)}".AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        return AgentResult.Success();
    }

    private static string Describe(object? value) => value switch
    {
        null => "(no result)",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString() ?? string.Empty,
        JsonElement e => e.GetRawText(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}

/// <summary>One call a <see cref="ToolAgent"/> makes: a function and how its arguments come from the task.</summary>
public sealed class ToolStep
{
    private readonly Func<AgentContext, AIFunctionArguments> _arguments;

    private ToolStep(AIFunction function, Func<AgentContext, AIFunctionArguments> arguments)
    {
        Function = function;
        _arguments = arguments;
    }

    /// <summary>Gets the function called.</summary>
    public AIFunction Function { get; }

    /// <summary>
    /// Calls <paramref name="function"/> with fixed arguments; in string values, <c>{id}</c>,
    /// <c>{title}</c>, <c>{description}</c>, <c>{queue}</c>, <c>{layer}</c> and <c>{workdir}</c> are
    /// replaced by the task's values. Other values are passed as they are (typed).
    /// </summary>
    /// <param name="function">The tool.</param>
    /// <param name="arguments">The arguments.</param>
    /// <returns>The step.</returns>
    public static ToolStep Create(AIFunction function, IReadOnlyDictionary<string, object?> arguments)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(arguments);
        var fixedArguments = arguments.ToDictionary(StringComparer.Ordinal);
        return new ToolStep(function, context =>
        {
            var result = new AIFunctionArguments();
            foreach (var (key, value) in fixedArguments)
            {
                result[key] = value is string s ? Expand(s, context) : value;
            }

            return result;
        });
    }

    /// <summary>Calls <paramref name="function"/> without arguments.</summary>
    /// <param name="function">The tool.</param>
    /// <returns>The step.</returns>
    public static ToolStep Create(AIFunction function) => Create(function, new Dictionary<string, object?>());

    /// <summary>Calls <paramref name="function"/> with arguments computed from the task (typed, by the host's code).</summary>
    /// <param name="function">The tool.</param>
    /// <param name="arguments">Makes the arguments for a task; throw <see cref="ArgumentException"/> when the task does not carry what the tool needs.</param>
    /// <returns>The step.</returns>
    public static ToolStep Create(AIFunction function, Func<AgentContext, AIFunctionArguments> arguments)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(arguments);
        return new ToolStep(function, arguments);
    }

    internal AIFunctionArguments ArgumentsFor(AgentContext context) => _arguments(context);

    /// <summary>Calls <paramref name="function"/> with the task's <c>args:</c> (JSON values the function binds to its parameters).</summary>
    internal static ToolStep FromPlan(AIFunction function) => new(function, static context =>
    {
        var result = new AIFunctionArguments();
        if (context.Task.Arguments is { ValueKind: JsonValueKind.Object } arguments)
        {
            foreach (var argument in arguments.EnumerateObject())
            {
                result[argument.Name] = argument.Value;
            }
        }

        return result;
    });

    private static string Expand(string template, AgentContext context)
    {
        if (!template.Contains('{', StringComparison.Ordinal))
        {
            return template;
        }

        var task = context.Task;
        return template
            .Replace("{id}", task.Id, StringComparison.Ordinal)
            .Replace("{title}", task.Title, StringComparison.Ordinal)
            .Replace("{description}", task.Description ?? task.Title, StringComparison.Ordinal)
            .Replace("{queue}", task.Queue, StringComparison.Ordinal)
            .Replace("{layer}", task.Layer, StringComparison.Ordinal)
            .Replace("{workdir}", context.WorkingDirectory, StringComparison.Ordinal);
    }
}
