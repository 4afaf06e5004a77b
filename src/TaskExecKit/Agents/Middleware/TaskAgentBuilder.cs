namespace TaskExecKit.Agents;

/// <summary>
/// Wraps an agent in middleware: the first <see cref="Use(Func{ITaskAgent, ITaskAgent})"/> is the
/// outermost, as with <c>ChatClientBuilder</c>. Ready pieces: <see cref="TaskAgentMiddleware.UseLogging"/>,
/// <see cref="TaskAgentMiddleware.UseTelemetry"/>, <see cref="TaskAgentMiddleware.UseBudget"/> and
/// <see cref="TaskAgentMiddleware.UseRetry"/>.
/// </summary>
/// <example><code>
/// ITaskAgent agent = new TaskAgentBuilder(new ShellAgent())
///     .UseLogging(loggerFactory)
///     .UseRetry(maxRetries: 2)
///     .Build();
/// </code></example>
public sealed class TaskAgentBuilder
{
    private readonly ITaskAgent _inner;
    private readonly List<Func<ITaskAgent, ITaskAgent>> _middleware = [];

    /// <summary>Starts from the agent to wrap.</summary>
    /// <param name="innerAgent">The agent.</param>
    public TaskAgentBuilder(ITaskAgent innerAgent)
    {
        ArgumentNullException.ThrowIfNull(innerAgent);
        _inner = innerAgent;
    }

    /// <summary>Adds middleware; the first added is the outermost.</summary>
    /// <param name="middleware">Wraps an agent, usually in a <see cref="DelegatingTaskAgent"/>.</param>
    /// <returns>This builder.</returns>
    public TaskAgentBuilder Use(Func<ITaskAgent, ITaskAgent> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    /// <summary>Builds the wrapped agent.</summary>
    /// <returns>The outermost agent.</returns>
    /// <exception cref="InvalidOperationException">A middleware returned null.</exception>
    public ITaskAgent Build()
    {
        ITaskAgent agent = _inner;
        for (int i = _middleware.Count - 1; i >= 0; i--)
        {
            agent = _middleware[i](agent) ?? throw new InvalidOperationException($"Middleware {i + 1} returned null instead of an agent.");
        }

        return agent;
    }
}
