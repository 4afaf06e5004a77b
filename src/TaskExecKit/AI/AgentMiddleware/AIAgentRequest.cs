using TaskExecKit.Agents;

namespace TaskExecKit.AI;

/// <summary>
/// One run of an <see cref="AIAgent"/> as agent middleware (<see cref="DelegatingAIAgent"/>) sees it: the
/// prompt, the agent, and the plan task's context when the agent runs as a task's <c>ai</c> agent.
/// Immutable; <see cref="WithPrompt"/> gives a changed copy to pass on.
/// </summary>
public sealed class AIAgentRequest
{
    internal AIAgentRequest(AIAgent agent, string prompt, AgentContext? taskContext, IReadOnlyList<BudgetLedger> ledgers, Func<AIAgentRequest, CancellationToken, Task<AgentResponse>> run)
    {
        Agent = agent;
        Prompt = prompt;
        TaskContext = taskContext;
        Ledgers = ledgers;
        Run = run;
    }

    /// <summary>Gets the agent being run (its <see cref="AIAgent.Id"/>, provider and model).</summary>
    public AIAgent Agent { get; }

    /// <summary>Gets the prompt: what the model is asked.</summary>
    public string Prompt { get; }

    /// <summary>Gets the plan task's context when the agent runs as a task's <c>ai</c> agent; null for a run from code.</summary>
    public AgentContext? TaskContext { get; }

    /// <summary>Gets the budgets (from <see cref="AIAgentMiddleware.UseBudget"/>) checked before and charged after each model call.</summary>
    internal IReadOnlyList<BudgetLedger> Ledgers { get; }

    /// <summary>Gets the agent's own run, which the end of the middleware chain calls.</summary>
    internal Func<AIAgentRequest, CancellationToken, Task<AgentResponse>> Run { get; }

    /// <summary>Returns a copy that asks <paramref name="prompt"/> instead.</summary>
    /// <param name="prompt">The new prompt.</param>
    /// <returns>The copy.</returns>
    public AIAgentRequest WithPrompt(string prompt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        return new AIAgentRequest(Agent, prompt, TaskContext, Ledgers, Run);
    }

    /// <summary>Returns a copy whose model calls are also checked against and charged to <paramref name="ledger"/>.</summary>
    internal AIAgentRequest WithLedger(BudgetLedger ledger)
        => new(Agent, Prompt, TaskContext, [.. Ledgers, ledger], Run);
}
