using System.Text.RegularExpressions;

namespace TaskExecKit.Planning;

/// <summary>
/// Reads a markdown source of truth. Version 1 is the legacy kit's format, read exactly as it
/// read it; version 2 is a task graph written as a GitHub task list. See docs/sot-format.md.
/// </summary>
internal static partial class SotReader
{
    internal const string V1SectionHeading = "### G. Execution Queue & Task Hooks";

    internal static Plan Read(string text, string? file, string? source, DateTimeOffset now)
    {
        // Lines are read as they are needed rather than split up front: a list of every line
        // would stay alive (and be copied by the GC) for the whole read.
        return SotV2Reader.IsV2(text)
            ? SotV2Reader.Read(text, file, source, now)
            : ReadV1(Lines(text), file, source, now);
    }

    /// <summary>Splits on \n, \r\n and \r (universal newlines, as the legacy kit read files), lazily.</summary>
    internal static IEnumerable<string> Lines(string text)
    {
        int start = 0;
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            start = 1;
        }

        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '\n' or '\r')
            {
                yield return text[start..i];
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                start = i + 1;
            }
        }

        if (start < text.Length)
        {
            yield return text[start..];
        }
    }

    /// <summary>
    /// Version 1: only the section whose heading line, trimmed, starts with
    /// <c>### G. Execution Queue &amp; Task Hooks</c>; it ends at the next line starting with
    /// <c>## </c>, or with <c>### </c> that is not another <c>### G.</c> heading.
    /// </summary>
    private static Plan ReadV1(IEnumerable<string> lines, string? file, string? source, DateTimeOffset now)
    {
        var queues = new List<PlanQueue>();
        string? queueName = null;
        SourceLocation? queueAt = null;
        List<PlanTask>? tasks = null;
        bool inSection = false;

        int i = -1;
        foreach (string line in lines)
        {
            i++;
            if (!inSection)
            {
                inSection = line.Trim().StartsWith(V1SectionHeading, StringComparison.Ordinal);
                continue;
            }

            if (line.StartsWith("## ", StringComparison.Ordinal)
                || (line.StartsWith("### ", StringComparison.Ordinal) && !line.StartsWith("### G.", StringComparison.Ordinal)))
            {
                break;
            }

            var queue = V1Queue().Match(line);
            if (queue.Success)
            {
                Flush();
                queueName = $"Queue {queue.Groups[1].Value} — {queue.Groups[2].Value}";
                queueAt = new SourceLocation(file, i + 1, 1);
                tasks = [];
                continue;
            }

            string trimmed = line.Trim();
            if (tasks is not null && trimmed.StartsWith("- Tasks:", StringComparison.Ordinal))
            {
                // ValueMatch allocates nothing; the id is the match without its two backticks.
                foreach (ValueMatch m in V1TaskId().EnumerateMatches(line))
                {
                    string id = line.Substring(m.Index + 1, m.Length - 2);
                    tasks.Add(new PlanTask(
                        id, id, queueName!, Layers.ForId(id), agent: null, run: null, needs: [], effects: [],
                        timeout: null, retries: null, description: null, isDone: false,
                        new SourceLocation(file, i + 1, m.Index + 2)));
                }
            }
        }

        Flush();
        return new Plan(1, source, now, queues, file);

        void Flush()
        {
            if (tasks is not null)
            {
                queues.Add(new PlanQueue(queueName!, tasks, queueAt));
            }
        }
    }

    // `1. **Queue A — Workspace Bootstrapping**`: any number, a dot, `**Queue`, one capital
    // letter, an em dash surrounded by spaces, a name, `**`, optional trailing spaces.
    [GeneratedRegex(@"^\d+\.\s+\*\*Queue ([A-Z]) — (.+?)\*\*\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex V1Queue();

    // Every backticked `TASK-` id with three or more digits.
    [GeneratedRegex(@"`(TASK-\d{3,})`", RegexOptions.CultureInvariant)]
    private static partial Regex V1TaskId();
}
