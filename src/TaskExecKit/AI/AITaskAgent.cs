using System.Globalization;
using TaskExecKit.Agents;
using TaskExecKit.Effects;

namespace TaskExecKit.AI;

/// <summary>
/// The <c>ai</c> agent of a plan: runs an <see cref="AIAgent"/> with the task's description (or its
/// title) as the prompt. Tool calls are checked against the task's policy (the executor's merge of
/// configuration, host and <c>effects:</c> grants) and audited as the task's effects. The answer and
/// every tool call go to the task's log. Registered with <see cref="AIAgentRegistryExtensions.AddAI"/>.
/// </summary>
internal sealed class AITaskAgent : ITaskAgent
{
    private readonly AIAgent _agent;

    internal AITaskAgent(AIAgent agent) => _agent = agent;

    /// <summary>Gets the prompt a task gives the model: its description, or its title when it has none.</summary>
    internal static string PromptOf(Planning.PlanTask task)
        => string.IsNullOrWhiteSpace(task.Description) ? task.Title : task.Description;

    public async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        AgentResponse response;
        AgentRun? run;
        try
        {
            (response, run) = await _agent.RunWithMiddlewareAsync(PromptOf(context.Task), context, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            await context.Log.WriteLineAsync(("ai: " + ex.Message).AsMemory(), cancellationToken).ConfigureAwait(false);
            return AgentResult.Failure(ex.Message, isTransient: true);
        }

        var log = context.Log;
        foreach (var call in response.ToolCalls)
        {
            string detail = call.Detail is null ? string.Empty : ": " + call.Detail;
            await log.WriteLineAsync($"ai: tool {call.Name}({call.Arguments}) {call.Outcome}{detail}".AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        string cost = response.Usage.CostEstimate is { } estimate ? string.Create(CultureInfo.InvariantCulture, $"estimated cost {estimate:0.######}") : "cost unknown";
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"ai: {response.Provider}/{response.Model}, {response.ModelCalls} model calls, {response.Usage.TotalTokens} tokens, {cost}, stopped: {response.StopReason}").AsMemory(), cancellationToken).ConfigureAwait(false);
        await log.WriteLineAsync("ai: answer:".AsMemory(), cancellationToken).ConfigureAwait(false);
        await log.WriteLineAsync(response.Text.AsMemory(), cancellationToken).ConfigureAwait(false);
        await log.FlushAsync(cancellationToken).ConfigureAwait(false);

        if (run?.FirstDenial is { } denial)
        {
            // As with the shell agent, an effect the task was not granted ends the task as denied, even when the model went on to answer.
            throw new EffectDeniedException(denial.Capability, context.Task.Id, denial.Resolved);
        }

        return response.IsCompleted
            ? AgentResult.Success()
            : AgentResult.Failure($"The AI agent did not finish: {response.StopReason}. {response.StopDetail}");
    }
}
