using BenchmarkDotNet.Attributes;
using TaskExecKit.Planning;

namespace TaskExecKit.Benchmarks.Planner;

/// <summary>Reading a version 2 sot.md of 1k, 10k and 100k tasks: the cost should grow linearly.</summary>
[MemoryDiagnoser]
public class PlannerScalingBenchmarks
{
    private string _sotV2 = string.Empty;

    [Params(1_000, 10_000, 100_000)]
    public int Tasks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _sotV2 = SotGenerator.V2(Tasks);
        var plan = Plan.ParseSot(_sotV2);
        if (plan.Version != 2 || plan.Tasks.Count != Tasks)
        {
            throw new InvalidOperationException($"expected a v2 plan of {Tasks} tasks, got {plan}");
        }
    }

    [Benchmark]
    public Plan ParseSotV2() => Plan.ParseSot(_sotV2);
}
