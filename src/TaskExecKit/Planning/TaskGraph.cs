namespace TaskExecKit.Planning;

/// <summary>
/// A plan's dependencies as a compact graph (compressed adjacency arrays). Nodes
/// <c>0..TaskCount-1</c> are the plan's tasks in order; for a version 1 plan, one barrier node
/// per queue after the first keeps the queues in order without quadratic edges: the barrier
/// waits for every task of the previous queue, and every task of its queue waits for it.
/// Duplicate ids resolve to their first task; unknown dependencies are left out (validation
/// reports both).
/// </summary>
internal sealed class TaskGraph
{
    private TaskGraph(PlanTask[] tasks, int nodeCount, int[] predStart, int[] preds, int[] succStart, int[] succs)
    {
        Tasks = tasks;
        NodeCount = nodeCount;
        PredecessorStart = predStart;
        PredecessorList = preds;
        SuccessorStart = succStart;
        SuccessorList = succs;
    }

    public PlanTask[] Tasks { get; }

    public int TaskCount => Tasks.Length;

    public int NodeCount { get; }

    public int[] PredecessorStart { get; }

    public int[] PredecessorList { get; }

    public int[] SuccessorStart { get; }

    public int[] SuccessorList { get; }

    public bool IsBarrier(int node) => node >= Tasks.Length;

    public ReadOnlySpan<int> Predecessors(int node) => PredecessorList.AsSpan(PredecessorStart[node], PredecessorStart[node + 1] - PredecessorStart[node]);

    public ReadOnlySpan<int> Successors(int node) => SuccessorList.AsSpan(SuccessorStart[node], SuccessorStart[node + 1] - SuccessorStart[node]);

    public static TaskGraph Build(Plan plan)
    {
        var tasks = new PlanTask[plan.Tasks.Count];
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = plan.Tasks[i];
        }

        var edges = new List<(int From, int To)>(tasks.Length);
        int nodeCount = tasks.Length;
        if (plan.Version < 2)
        {
            // Queue k's tasks wait for barrier k, which waits for queue k-1's tasks (or barrier k-1 when that queue is empty).
            int taskIndex = 0;
            int previousBarrier = -1;
            int previousStart = 0, previousCount = 0;
            for (int q = 0; q < plan.Queues.Count; q++)
            {
                int count = plan.Queues[q].Tasks.Count;
                int barrier = -1;
                if (q > 0)
                {
                    barrier = nodeCount++;
                    for (int i = 0; i < previousCount; i++)
                    {
                        edges.Add((previousStart + i, barrier));
                    }

                    if (previousCount == 0 && previousBarrier >= 0)
                    {
                        edges.Add((previousBarrier, barrier));
                    }

                    for (int i = 0; i < count; i++)
                    {
                        edges.Add((barrier, taskIndex + i));
                    }

                    previousBarrier = barrier;
                }

                previousStart = taskIndex;
                previousCount = count;
                taskIndex += count;
            }
        }
        else
        {
            var index = new Dictionary<string, int>(tasks.Length, StringComparer.Ordinal);
            for (int i = 0; i < tasks.Length; i++)
            {
                index.TryAdd(tasks[i].Id, i);
            }

            for (int i = 0; i < tasks.Length; i++)
            {
                foreach (string dep in tasks[i].Needs)
                {
                    if (index.TryGetValue(dep, out int from))
                    {
                        edges.Add((from, i));
                    }
                }
            }
        }

        var predStart = new int[nodeCount + 1];
        var succStart = new int[nodeCount + 1];
        foreach (var (from, to) in edges)
        {
            predStart[to + 1]++;
            succStart[from + 1]++;
        }

        for (int i = 0; i < nodeCount; i++)
        {
            predStart[i + 1] += predStart[i];
            succStart[i + 1] += succStart[i];
        }

        var preds = new int[edges.Count];
        var succs = new int[edges.Count];
        var predFill = (int[])predStart.Clone();
        var succFill = (int[])succStart.Clone();
        foreach (var (from, to) in edges)
        {
            preds[predFill[to]++] = from;
            succs[succFill[from]++] = to;
        }

        return new TaskGraph(tasks, nodeCount, predStart, preds, succStart, succs);
    }

    /// <summary>A topological order of all nodes (Kahn), or null when the graph has a cycle.</summary>
    public int[]? TopologicalOrder()
    {
        var indegree = new int[NodeCount];
        for (int n = 0; n < NodeCount; n++)
        {
            indegree[n] = PredecessorStart[n + 1] - PredecessorStart[n];
        }

        var order = new int[NodeCount];
        int head = 0, tail = 0;
        for (int n = 0; n < NodeCount; n++)
        {
            if (indegree[n] == 0)
            {
                order[tail++] = n;
            }
        }

        while (head < tail)
        {
            int n = order[head++];
            foreach (int s in Successors(n))
            {
                if (--indegree[s] == 0)
                {
                    order[tail++] = s;
                }
            }
        }

        return tail == NodeCount ? order : null;
    }

    /// <summary>
    /// Every cycle, one per strongly connected component that has one (Tarjan, iterative), as
    /// node lists in dependency order (each needs the one before it; the last needs the first).
    /// </summary>
    public List<List<int>> Cycles()
    {
        var cycles = new List<List<int>>();
        int n = NodeCount;
        var index = new int[n];
        var low = new int[n];
        var onStack = new bool[n];
        Array.Fill(index, -1);
        var stack = new Stack<int>();
        var work = new Stack<(int Node, int Edge)>();
        int counter = 0;
        for (int root = 0; root < n; root++)
        {
            if (index[root] >= 0)
            {
                continue;
            }

            work.Push((root, SuccessorStart[root]));
            index[root] = low[root] = counter++;
            stack.Push(root);
            onStack[root] = true;
            while (work.Count > 0)
            {
                var (v, e) = work.Pop();
                if (e < SuccessorStart[v + 1])
                {
                    work.Push((v, e + 1));
                    int w = SuccessorList[e];
                    if (index[w] < 0)
                    {
                        index[w] = low[w] = counter++;
                        stack.Push(w);
                        onStack[w] = true;
                        work.Push((w, SuccessorStart[w]));
                    }
                    else if (onStack[w])
                    {
                        low[v] = Math.Min(low[v], index[w]);
                    }

                    continue;
                }

                if (work.Count > 0)
                {
                    int parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[v]);
                }

                if (low[v] == index[v])
                {
                    var component = new List<int>();
                    int w;
                    do
                    {
                        w = stack.Pop();
                        onStack[w] = false;
                        component.Add(w);
                    }
                    while (w != v);

                    if (component.Count > 1 || HasSelfLoop(v))
                    {
                        cycles.Add(CycleWithin(component));
                    }
                }
            }
        }

        return cycles;
    }

    private bool HasSelfLoop(int v) => Successors(v).Contains(v);

    /// <summary>Finds one cycle inside a strongly connected component by walking successors within it.</summary>
    private List<int> CycleWithin(List<int> component)
    {
        var members = new HashSet<int>(component);
        int start = component.Min();
        var position = new Dictionary<int, int>();
        var path = new List<int>();
        int current = start;
        while (!position.ContainsKey(current))
        {
            position[current] = path.Count;
            path.Add(current);
            int next = -1;
            foreach (int s in Successors(current))
            {
                if (members.Contains(s))
                {
                    next = s;
                    break;
                }
            }

            current = next;
        }

        return path.GetRange(position[current], path.Count - position[current]);
    }
}
