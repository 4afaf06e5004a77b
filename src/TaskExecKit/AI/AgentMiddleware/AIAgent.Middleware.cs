using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using TaskExecKit.Agents;
using TaskExecKit.AI;

namespace TaskExecKit;

/// <summary>The agent middleware (<see cref="DelegatingAIAgent"/>) every run passes through.</summary>
public sealed partial class AIAgent
{
    private readonly Lock _pipelineGate = new();
    private DelegatingAIAgent? _pipeline;

    /// <summary>Gets the middleware chain, built on the first run from the builder's <c>Use(...)</c> calls (first added outermost).</summary>
    private DelegatingAIAgent Pipeline
    {
        get
        {
            if (Volatile.Read(ref _pipeline) is { } built)
            {
                return built;
            }

            lock (_pipelineGate)
            {
                if (_pipeline is null)
                {
                    DelegatingAIAgent agent = EndOfChain.Instance;
                    var middleware = Extras.AgentMiddleware;
                    for (int i = middleware.Count - 1; i >= 0; i--)
                    {
                        agent = middleware[i](agent) ?? throw new InvalidOperationException($"Agent middleware {i + 1} (Use(...)) returned null instead of a DelegatingAIAgent.");
                    }

                    Volatile.Write(ref _pipeline, agent);
                }

                return _pipeline;
            }
        }
    }

    /// <summary>
    /// Runs a prompt through the agent middleware down to the agent's own run. Returns the response and the
    /// run that made it (with retries, the first that met a denied effect, or else the last); null when a
    /// middleware answered without running the agent.
    /// </summary>
    internal async Task<(AgentResponse Response, AgentRun? Run)> RunWithMiddlewareAsync(string prompt, AgentContext? task, CancellationToken cancellationToken)
    {
        if (Extras.AgentMiddleware.Count == 0)
        {
            return await RunCoreAsync(prompt, task, extraInstructions: null, [], cancellationToken).ConfigureAwait(false);
        }

        var runs = new ConcurrentQueue<AgentRun>();
        var request = new AIAgentRequest(this, prompt, task, [], async (r, ct) =>
        {
            var (response, run) = await RunCoreAsync(r.Prompt, r.TaskContext, extraInstructions: null, r.Ledgers, ct).ConfigureAwait(false);
            runs.Enqueue(run);
            return response;
        });
        var response = await Pipeline.RunAsync(request, cancellationToken).ConfigureAwait(false);
        return (response, runs.FirstOrDefault(r => r.FirstDenial is not null) ?? runs.LastOrDefault());
    }

    /// <summary>
    /// Runs a structured prompt through the agent middleware. Middleware sees the run's <see cref="AgentResponse"/>;
    /// when it hands back a response other than the agent's last one (e.g. a spent budget), the answer is not valid.
    /// </summary>
    private async Task<AgentResponse<T>> RunStructuredWithMiddlewareAsync<T>(string prompt, Func<string, IReadOnlyList<BudgetLedger>, CancellationToken, Task<AgentResponse<T>>> run, CancellationToken cancellationToken)
    {
        if (Extras.AgentMiddleware.Count == 0)
        {
            return await run(prompt, [], cancellationToken).ConfigureAwait(false);
        }

        var last = new StrongBox<AgentResponse<T>?>();
        var request = new AIAgentRequest(this, prompt, null, [], async (r, ct) =>
        {
            var typed = await run(r.Prompt, r.Ledgers, ct).ConfigureAwait(false);
            Volatile.Write(ref last.Value, typed);
            return typed.Response;
        });
        var response = await Pipeline.RunAsync(request, cancellationToken).ConfigureAwait(false);
        var answer = Volatile.Read(ref last.Value);
        return answer is not null && ReferenceEquals(answer.Response, response)
            ? answer
            : new AgentResponse<T>(response, default, false, [response.StopDetail ?? "the agent middleware answered without a structured answer"], answer?.Attempts ?? 0);
    }

    /// <summary>The end of every chain: the agent's own run.</summary>
    private sealed class EndOfChain : DelegatingAIAgent
    {
        internal static readonly EndOfChain Instance = new();

        public override Task<AgentResponse> RunAsync(AIAgentRequest request, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(request);
            return request.Run(request, cancellationToken);
        }
    }
}
