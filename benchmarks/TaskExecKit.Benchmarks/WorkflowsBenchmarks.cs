using BenchmarkDotNet.Attributes;
using Microsoft.Agents.AI.Workflows;

namespace TaskExecKit.Benchmarks;

/// <summary>
/// The same three 10,000-node shapes on Microsoft Agent Framework Workflows (in-process
/// execution): one function executor per node that passes its input on; a node with one
/// predecessor gets a plain edge, a node with several a fan-in barrier edge. Workflows runs in
/// supersteps and has no worker-count setting, so this is not a like-for-like bound on
/// parallelism; it shows the cost of the framework's message-passing model per node.
/// </summary>
[MemoryDiagnoser]
public class WorkflowsBenchmarks
{
    private int[][] _predecessors = [];

    [Params("chain", "layered100x100", "fanout-fanin")]
    public string Shape { get; set; } = "chain";

    [GlobalSetup]
    public void Setup() => _predecessors = Shapes.Build(Shape);

    /// <summary>Builds and runs the workflow: its executors are per-run instances, so the build is part of a run.</summary>
    [Benchmark(Description = "Agent Framework Workflows")]
    public async Task<int> Workflows()
    {
        // A barrier target's handler runs once per message it receives; each node forwards once,
        // so the work per node stays one message per outgoing edge, as in the other schedulers.
        var forwarded = new int[_predecessors.Length];
        int distinct = 0;
        Type[] sends = [typeof(int)];
        var nodes = new ExecutorBinding[_predecessors.Length];
        for (int i = 0; i < nodes.Length; i++)
        {
            int index = i;
            nodes[i] = new FunctionExecutor<int>(
                Shapes.Id(i),
                async (value, context, cancellationToken) =>
                {
                    if (Interlocked.Exchange(ref forwarded[index], 1) == 0)
                    {
                        Interlocked.Increment(ref distinct);
                        await context.SendMessageAsync(value, null, cancellationToken).ConfigureAwait(false);
                    }
                },
                sentMessageTypes: sends).BindExecutor();
        }

        // One start executor feeds every node without predecessors.
        ExecutorBinding start = new FunctionExecutor<int>("start", (value, context, cancellationToken) => context.SendMessageAsync(value, null, cancellationToken), sentMessageTypes: sends).BindExecutor();
        var builder = new WorkflowBuilder(start);
        for (int i = 0; i < nodes.Length; i++)
        {
            var predecessors = _predecessors[i];
            if (predecessors.Length == 0)
            {
                builder.AddEdge(start, nodes[i]);
            }
            else if (predecessors.Length == 1)
            {
                builder.AddEdge(nodes[predecessors[0]], nodes[i]);
            }
            else
            {
                builder.AddFanInBarrierEdge([.. predecessors.Select(p => nodes[p])], nodes[i]);
            }
        }

        var workflow = builder.Build();
        await using Run run = await InProcessExecution.RunAsync(workflow, 0).ConfigureAwait(false);
        return distinct == nodes.Length ? distinct : throw new InvalidOperationException($"only {distinct} of {nodes.Length} executors ran");
    }
}
