using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

/// <summary>Comparisons and temp files shared by the planner tests.</summary>
internal static class PlanAssert
{
    /// <summary>Asserts that two plans say the same thing: header, queues and every task attribute.</summary>
    public static void Same(Plan expected, Plan actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Source, actual.Source);
        Assert.Equal(expected.GeneratedAt, actual.GeneratedAt);
        Assert.Equal(expected.Queues.Select(q => q.Name), actual.Queues.Select(q => q.Name));
        for (int q = 0; q < expected.Queues.Count; q++)
        {
            var e = expected.Queues[q].Tasks;
            var a = actual.Queues[q].Tasks;
            Assert.Equal(e.Count, a.Count);
            for (int i = 0; i < e.Count; i++)
            {
                SameTask(e[i], a[i]);
            }
        }
    }

    public static void SameTask(PlanTask expected, PlanTask actual)
    {
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.Title, actual.Title);
        Assert.Equal(expected.Queue, actual.Queue);
        Assert.Equal(expected.Layer, actual.Layer);
        Assert.Equal(expected.Agent, actual.Agent);
        Assert.Equal(expected.Run, actual.Run);
        Assert.Equal(expected.Needs, actual.Needs);
        Assert.Equal(expected.Effects, actual.Effects);
        Assert.Equal(expected.Timeout, actual.Timeout);
        Assert.Equal(expected.Retries, actual.Retries);
        Assert.Equal(expected.Description, actual.Description);
        Assert.Equal(expected.IsDone, actual.IsDone);
    }

    /// <summary>Everything a read plan holds, as text: tasks, locations (attributes too) and diagnostics.</summary>
    public static string Describe(Plan plan)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"v{plan.Version} {plan.Source} {plan.GeneratedAt:O}\n");
        foreach (var queue in plan.Queues)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"queue {queue.Name} @{queue.Location}\n");
            foreach (var t in queue.Tasks)
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"{t.Id}|{t.Title}|{t.Queue}|{t.Layer}|{t.Agent}|{(t.Run is null ? "-" : string.Join("\u0001", t.Run))}|{string.Join(",", t.Needs)}|{string.Join(",", t.Effects)}|{t.Timeout}|{t.Retries}|{t.Description}|{t.IsDone}|@{t.Location}");
                foreach (string key in AttributeLocations.Keys)
                {
                    sb.Append(System.Globalization.CultureInfo.InvariantCulture, $" {key}@{t.LocationOf(key)}");
                }

                sb.Append('\n');
            }
        }

        foreach (var d in plan.ReadDiagnostics)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"{d.Code} {d.Location} {d.TaskId} {d.Message}\n");
        }

        return sb.ToString();
    }

    /// <summary>The legacy default layer of a task number, written from legacy-format.md.</summary>
    public static string LegacyLayer(string digits)
    {
        string significant = digits.TrimStart('0');
        if (significant.Length > 2)
        {
            return "execution";
        }

        int n = significant.Length == 0 ? 0 : int.Parse(significant, System.Globalization.CultureInfo.InvariantCulture);
        return n switch
        {
            >= 1 and <= 21 => "foundation",
            >= 22 and <= 29 => "orchestration",
            >= 30 and <= 41 => "platform",
            >= 42 and <= 53 => "services",
            >= 54 and <= 61 => "monitoring",
            _ => "execution",
        };
    }

    public static string Truncate(string text, int max = 2000)
        => text.Length <= max ? text : text[..max] + $"… ({text.Length} chars)";
}

/// <summary>A temporary directory removed when the test ends.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tek-planner-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string content)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
