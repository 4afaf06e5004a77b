using BenchmarkDotNet.Running;

if (args is ["telemetry-report", .. var rest])
{
    // telemetry-report [rows] [queries]: "queries" measures only the sink and the queries (skips end to end and audit).
    await TaskExecKit.Benchmarks.TelemetryReport.RunAsync(
        rest is [var n, ..] ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
        queriesOnly: rest is [_, "queries", ..]);
    return;
}

if (args is ["dashboard-report", .. var dashboardArgs])
{
    await TaskExecKit.Benchmarks.DashboardReport.RunAsync(
        dashboardArgs is [var rows, ..] ? int.Parse(rows, System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
        dashboardArgs is [_, var samples, ..] ? int.Parse(samples, System.Globalization.CultureInfo.InvariantCulture) : 500);
    return;
}

if (args is ["executor-harness", .. var harnessArgs])
{
    await TaskExecKit.Benchmarks.ExecutorHarness.RunAsync(harnessArgs is [var runs, ..] ? int.Parse(runs, System.Globalization.CultureInfo.InvariantCulture) : 100);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
