using BenchmarkDotNet.Attributes;
using TaskExecKit.Planning;

namespace TaskExecKit.Benchmarks.Planner;

/// <summary>
/// The planner on 10,000-task inputs: reading sot.md (v1 and v2) and plan.json, validating,
/// analyzing, estimating wall time and writing plan.json. Inputs are generated once, with a
/// fixed seed, in <see cref="Setup"/>.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1707", Justification = "Benchmark names carry the input size (ParseSotV1_10k), as the results table shows them.")]
public class PlannerBenchmarks
{
    private const int Tasks = 10_000;

    private string _sotV1 = string.Empty;
    private string _sotV2 = string.Empty;
    private string _dir = string.Empty;
    private string _planJsonV1Path = string.Empty;
    private string _planJsonV2Path = string.Empty;
    private Plan _planV2 = null!;
    private PlanAnalysis _analysisV2 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _sotV1 = SotGenerator.V1(Tasks);
        _sotV2 = SotGenerator.V2(Tasks);
        var planV1 = Plan.ParseSot(_sotV1, "sot-v1.md");
        _planV2 = Plan.ParseSot(_sotV2, "sot-v2.md");
        Check(planV1, 1);
        Check(_planV2, 2);
        if (!_planV2.Validate().IsValid)
        {
            throw new InvalidOperationException("the generated v2 plan is not valid: " + _planV2.Validate().Diagnostics[0].Message);
        }

        _analysisV2 = _planV2.Analyze();

        _dir = Path.Combine(Path.GetTempPath(), "taskexeckit-bench-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(_dir);
        _planJsonV1Path = Path.Combine(_dir, "plan-v1.json");
        _planJsonV2Path = Path.Combine(_dir, "plan-v2.json");
        File.WriteAllText(_planJsonV1Path, planV1.ToJson());
        File.WriteAllText(_planJsonV2Path, _planV2.ToJson());
        Check(Plan.Load(_planJsonV1Path), 1);
        Check(Plan.Load(_planJsonV2Path), 2);

        Console.WriteLine(
            $"// inputs: sot v1 {_sotV1.Length / 1024} KiB, sot v2 {_sotV2.Length / 1024} KiB, " +
            $"plan.json v1 {new FileInfo(_planJsonV1Path).Length / 1024} KiB, plan.json v2 {new FileInfo(_planJsonV2Path).Length / 1024} KiB; " +
            $"v2 levels {_analysisV2.Levels.Count}, critical path {_analysisV2.CriticalPath.Count} tasks");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_dir.Length > 0 && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Benchmark]
    public Plan ParseSotV1_10k() => Plan.ParseSot(_sotV1);

    [Benchmark]
    public Plan ParseSotV2_10k() => Plan.ParseSot(_sotV2);

    [Benchmark]
    public Plan LoadPlanJsonV1_10k() => Plan.Load(_planJsonV1Path);

    [Benchmark]
    public Plan LoadPlanJsonV2_10k() => Plan.Load(_planJsonV2Path);

    [Benchmark]
    public PlanValidation Validate_10k() => _planV2.Validate();

    [Benchmark]
    public PlanAnalysis Analyze_10k() => _planV2.Analyze();

    [Benchmark]
    public TimeSpan EstimateWallTime_10k() => _analysisV2.EstimateWallTime(4);

    [Benchmark]
    public string ToJson_10k() => _planV2.ToJson();

    private static void Check(Plan plan, int version)
    {
        if (plan.Version != version || plan.Tasks.Count != Tasks)
        {
            throw new InvalidOperationException($"expected a v{version} plan of {Tasks} tasks, got {plan}");
        }
    }
}
