using TaskExecKit.AI;

namespace TaskExecKit;

/// <summary>
/// Agent middleware for an <see cref="AIAgent"/>, as <c>DelegatingChatClient</c> is middleware for a chat
/// client: derive from it and override <see cref="RunAsync"/> to add behaviour around each run of the
/// agent (a prompt in, an <see cref="AgentResponse"/> out), then add it with
/// <see cref="AIAgentBuilder.Use(Func{DelegatingAIAgent, DelegatingAIAgent})"/>. It sees every run:
/// <see cref="AIAgent.RunAsync(string, CancellationToken)"/>, the structured runs, and the runs of the
/// <c>ai</c> agent of a plan (then <see cref="AIAgentRequest.TaskContext"/> is the task's context).
/// Ready pieces: <see cref="AIAgentMiddleware.UseLogging"/>, <see cref="AIAgentMiddleware.UseTelemetry"/>,
/// <see cref="AIAgentMiddleware.UseBudget"/> and <see cref="AIAgentMiddleware.UseRetry"/>.
/// </summary>
/// <remarks>
/// <para>
/// Two layers, two bases. <see cref="DelegatingAIAgent"/> wraps the <em>runs of one AI agent</em>, with the
/// prompt and the model's response in hand, wherever the agent is used. <see cref="Agents.DelegatingTaskAgent"/>
/// wraps <em>any task agent</em> (<see cref="Agents.ITaskAgent"/>: shell, tool, composite, and the <c>ai</c>
/// agent too), one attempt of a plan task at a time, with the task's context and result in hand; it is
/// composed with <see cref="Agents.TaskAgentBuilder"/> and is what registries and commanders use. The same
/// four ready pieces exist for both. Below both sits chat-client middleware
/// (<see cref="AIAgentBuilder.Use(Func{Microsoft.Extensions.AI.IChatClient, Microsoft.Extensions.AI.IChatClient})"/>),
/// which sees each model call.
/// </para>
/// <para>A middleware instance is built once per agent and may serve several runs at once: keep per-run state in locals.</para>
/// </remarks>
/// <example><code>
/// sealed class PromptPrefix(DelegatingAIAgent inner, string prefix) : DelegatingAIAgent(inner)
/// {
///     public override Task&lt;AgentResponse&gt; RunAsync(AIAgentRequest request, CancellationToken cancellationToken)
///         => base.RunAsync(request.WithPrompt(prefix + request.Prompt), cancellationToken);
/// }
///
/// AIAgent agent = AIAgent.Builder()
///     .Provider(AIProvider.Offline)
///     .UseLogging(loggerFactory)
///     .UseRetry(maxRetries: 2)
///     .Use(inner =&gt; new PromptPrefix(inner, "Answer briefly. "))
///     .Build();
/// </code></example>
public abstract class DelegatingAIAgent
{
    /// <summary>Wraps the next agent of the chain.</summary>
    /// <param name="innerAgent">The agent runs are passed to: another middleware, or the agent's own run.</param>
    protected DelegatingAIAgent(DelegatingAIAgent innerAgent)
    {
        ArgumentNullException.ThrowIfNull(innerAgent);
        InnerAgent = innerAgent;
    }

    /// <summary>The end of the chain, which runs the agent itself; it has no inner agent.</summary>
    private protected DelegatingAIAgent()
    {
        InnerAgent = null!;
    }

    /// <summary>Gets the wrapped agent.</summary>
    protected DelegatingAIAgent InnerAgent { get; }

    /// <summary>Runs the request with the inner agent; override to add behaviour around it.</summary>
    /// <param name="request">The prompt, the agent, and the plan task's context when there is one.</param>
    /// <param name="cancellationToken">Cancels the run; cancellation is thrown, not reported as a response.</param>
    /// <returns>The inner agent's response.</returns>
    public virtual Task<AgentResponse> RunAsync(AIAgentRequest request, CancellationToken cancellationToken)
        => InnerAgent.RunAsync(request, cancellationToken);
}
