using System.Globalization;
using System.Text;
using TaskExecKit.Planning;

namespace TaskExecKit.Cli.Commands;

/// <summary>Renders a plan's analysis as readable tables for <c>plan --explain</c>.</summary>
internal static class Explain
{
    private const int MaxIdsPerLevel = 8;

    internal static string Render(Plan plan, PlanAnalysis analysis, int maxWorkers)
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        int done = plan.Tasks.Count(t => t.IsDone);
        s.AppendLine();
        s.Append(c, $"Plan {plan.Source ?? "(code)"}: sot.md v{plan.Version}, {plan.Queues.Count} queue(s), {plan.Tasks.Count} task(s)");
        s.AppendLine(done > 0 ? string.Create(c, $", {done} already done") : string.Empty);
        s.AppendLine();

        s.AppendLine("Levels (tasks in a level can run together)");
        var rows = analysis.Levels.Select((tasks, i) => new[]
        {
            i.ToString(c),
            tasks.Count.ToString(c),
            string.Join(", ", tasks.Take(MaxIdsPerLevel).Select(t => t.Id)) + (tasks.Count > MaxIdsPerLevel ? string.Create(c, $", … (+{tasks.Count - MaxIdsPerLevel})") : string.Empty),
        });
        Table(s, ["level", "tasks", "ids"], rows);
        s.AppendLine();

        var path = analysis.CriticalPath;
        s.AppendLine(c, $"Critical path: {path.Count} task(s), {Format(analysis.CriticalPathLength)}");
        s.AppendLine("  " + (path.Count == 0 ? "(empty plan)" : string.Join(" → ", path.Select(t => t.Id))));
        s.AppendLine(c, $"Max width: {analysis.MaxWidth} (more workers than this cannot help)");
        s.AppendLine(c, $"Total work: {Format(analysis.TotalWork)} ({Sources(analysis)})");
        s.AppendLine();

        s.AppendLine("Estimated wall time");
        var counts = new SortedSet<int> { 1, 2, 4, 8, Math.Max(1, analysis.MaxWidth), maxWorkers };
        Table(s, ["workers", "wall time", ""], counts.Where(w => w <= Math.Max(maxWorkers, analysis.MaxWidth) || w <= 8).Select(w => new[]
        {
            w.ToString(c),
            Format(analysis.EstimateWallTime(w)),
            w == maxWorkers ? "← --max-workers" : w == analysis.MaxWidth ? "← max width" : string.Empty,
        }));
        return s.ToString();
    }

    private static string Sources(PlanAnalysis analysis)
    {
        var bySource = analysis.Estimates.Values.GroupBy(e => e.Source).OrderBy(g => g.Key);
        return string.Join(", ", bySource.Select(g => g.Key switch
        {
            DurationSource.Timeout => $"{g.Count()} from timeouts (upper bounds)",
            DurationSource.History => $"{g.Count()} measured",
            DurationSource.Done => $"{g.Count()} done",
            _ => $"{g.Count()} assumed 1s each",
        }));
    }

    private static void Table(StringBuilder s, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            s.Append("  ");
            s.AppendLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    internal static string Format(TimeSpan t)
    {
        var c = CultureInfo.InvariantCulture;
        if (t < TimeSpan.FromSeconds(1))
        {
            return string.Create(c, $"{(long)t.TotalMilliseconds}ms");
        }

        if (t < TimeSpan.FromMinutes(1))
        {
            return string.Create(c, $"{t.TotalSeconds:0.#}s");
        }

        return t < TimeSpan.FromHours(1)
            ? string.Create(c, $"{(int)t.TotalMinutes}m {t.Seconds:00}s")
            : string.Create(c, $"{(int)t.TotalHours}h {t.Minutes:00}m");
    }
}
