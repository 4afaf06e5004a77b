using System.Globalization;
using System.Text;

namespace TaskExecKit.Benchmarks.Planner;

/// <summary>
/// Writes realistic sot.md inputs of any size, deterministically (fixed seed): a legacy
/// version 1 file (queue lines and <c>- Tasks:</c> lines in section G, surrounded by prose)
/// and a version 2 task graph (task-list items with nested attributes, a layered DAG).
/// </summary>
internal static class SotGenerator
{
    internal const int Seed = 20261101;

    private static readonly string[] Words =
    [
        "workspace", "bootstrap", "pipeline", "artifact", "cache", "runner", "agent", "policy", "effect", "budget",
        "schema", "migration", "endpoint", "telemetry", "dashboard", "retry", "timeout", "queue", "worker", "plan",
        "validate", "deploy", "rollback", "snapshot", "index", "report", "config", "secret", "token", "review",
    ];

    private static readonly string[] QueueNames =
    [
        "Workspace Bootstrapping", "Toolchain & SDKs", "Core Libraries", "Data Layer", "Service Contracts",
        "API Surface", "Background Workers", "Observability", "Security Hardening", "Performance",
        "Documentation", "Packaging", "Release Engineering", "Integration Tests", "Load Tests",
        "Migration Scripts", "Dashboard", "AI Providers", "Autonomy Gates", "Final Verification",
        "Cleanup", "Localization", "Accessibility", "Compliance", "Support Runbooks", "Launch",
    ];

    /// <summary>The id of task <paramref name="n"/> (1-based), zero-padded to at least five digits.</summary>
    internal static string Id(int n, int width) => "TASK-" + n.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');

    internal static int IdWidth(int taskCount) => Math.Max(5, taskCount.ToString(CultureInfo.InvariantCulture).Length);

    /// <summary>
    /// A legacy sot.md: sections A-F of prose, section G with up to 26 queues (the format allows
    /// one capital letter per queue) whose <c>- Tasks:</c> lines carry 8-12 backticked ids each,
    /// then a section H whose ids must not be read.
    /// </summary>
    internal static string V1(int taskCount)
    {
        var random = new Random(Seed);
        int width = IdWidth(taskCount);
        var sb = new StringBuilder(taskCount * 24);
        sb.Append("# Source of Truth — TaskExecKit rollout\n\n");
        sb.Append("> Generated for benchmarks. Keep this file the single source of truth.\n\n");
        foreach (char section in "ABCDEF")
        {
            sb.Append(CultureInfo.InvariantCulture, $"### {section}. {Title(random)}\n\n");
            Prose(sb, random, 3 + random.Next(4));
            sb.Append('\n');
            for (int i = 0; i < 4; i++)
            {
                sb.Append("- ").Append(Sentence(random)).Append('\n');
            }

            sb.Append("\n| owner | status | notes |\n|---|---|---|\n");
            sb.Append("| platform | green | ").Append(Sentence(random)).Append(" |\n\n");
        }

        sb.Append("### G. Execution Queue & Task Hooks\n\n");
        Prose(sb, random, 2);
        sb.Append('\n');

        int queues = Math.Min(26, Math.Max(1, taskCount / 100));
        int next = 1;
        for (int q = 0; q < queues; q++)
        {
            int end = (int)((long)taskCount * (q + 1) / queues);
            sb.Append(CultureInfo.InvariantCulture, $"{q + 1}. **Queue {(char)('A' + q)} — {QueueNames[q]}**\n");
            sb.Append("   - Purpose: ").Append(Sentence(random)).Append('\n');
            sb.Append("   - Hooks: pre `scripts/pre_queue.sh`, post `scripts/post_queue.sh`\n");
            while (next <= end)
            {
                int perLine = Math.Min(8 + random.Next(5), end - next + 1);
                sb.Append("   - Tasks: ");
                for (int k = 0; k < perLine; k++)
                {
                    if (k > 0)
                    {
                        sb.Append(", ");
                    }

                    sb.Append('`').Append(Id(next++, width)).Append('`');
                }

                sb.Append('\n');
                if (random.Next(10) == 0)
                {
                    sb.Append("   - Notes: ").Append(Sentence(random)).Append('\n');
                }
            }

            sb.Append('\n');
        }

        sb.Append("### H. Risks & Follow-ups\n\n");
        Prose(sb, random, 3);
        sb.Append(CultureInfo.InvariantCulture, $"\n- Revisit `{Id(1, width)}` and `{Id(2, width)}` after launch.\n");
        return sb.ToString();
    }

    /// <summary>
    /// A version 2 sot.md: a layered DAG of 50-150 tasks per layer, each task after the first
    /// layer needing 1-3 tasks of the previous layer; about 500 tasks per <c>## Queue</c>
    /// heading; every task has agent, run, effects, timeout and retries; 2% are done, some carry
    /// notes; prose and a fenced example (never read) sit between the queues.
    /// </summary>
    internal static string V2(int taskCount)
    {
        var random = new Random(Seed);
        int width = IdWidth(taskCount);
        var sb = new StringBuilder(taskCount * 190);
        sb.Append("# Source of Truth — TaskExecKit rollout (v2)\n\n");
        Prose(sb, random, 4);
        sb.Append("\n```markdown\n- [ ] `TASK-00000` An example that is never read\n  - agent: shell\n```\n\n");

        int previousStart = 0, previousCount = 0;
        int layerStart = 1, layerCount = Math.Min(taskCount, 50 + random.Next(101));
        int queueNo = 0;
        for (int n = 1; n <= taskCount; n++)
        {
            if (n == layerStart + layerCount)
            {
                previousStart = layerStart;
                previousCount = layerCount;
                layerStart = n;
                layerCount = Math.Min(taskCount - n + 1, 50 + random.Next(101));
            }

            if ((n - 1) % 500 == 0)
            {
                queueNo++;
                sb.Append(CultureInfo.InvariantCulture, $"\n## Queue {queueNo:D3} — {QueueNames[(queueNo - 1) % QueueNames.Length]}\n\n");
                Prose(sb, random, 2);
                sb.Append('\n');
            }

            string id = Id(n, width);
            sb.Append(random.Next(50) == 0 ? "- [x] `" : "- [ ] `").Append(id).Append("` ").Append(Title(random)).Append('\n');
            sb.Append("  - agent: shell\n");
            sb.Append("  - run: [\"echo\",\"").Append(id).Append("\"]\n");
            if (previousCount > 0)
            {
                int needs = Math.Min(previousCount, 1 + random.Next(3));
                int first = random.Next(previousCount);
                sb.Append("  - needs: ");
                for (int k = 0; k < needs; k++)
                {
                    if (k > 0)
                    {
                        sb.Append(", ");
                    }

                    // Distinct tasks of the previous layer: consecutive from a random start.
                    sb.Append(Id(previousStart + ((first + k) % previousCount), width));
                }

                sb.Append('\n');
            }

            sb.Append("  - effects: process:echo\n");
            sb.Append(CultureInfo.InvariantCulture, $"  - timeout: {10 * (1 + random.Next(12))}s\n");
            sb.Append("  - retries: 1\n");
            if (random.Next(20) == 0)
            {
                sb.Append("  Note: ").Append(Sentence(random)).Append('\n');
            }
        }

        sb.Append("\n## Appendix\n\n");
        Prose(sb, random, 3);
        return sb.ToString();
    }

    private static string Title(Random random)
    {
        string first = Words[random.Next(Words.Length)];
        return char.ToUpperInvariant(first[0]) + first[1..] + " " + Words[random.Next(Words.Length)] + " " + Words[random.Next(Words.Length)];
    }

    private static string Sentence(Random random)
    {
        var sb = new StringBuilder(Title(random));
        int words = 6 + random.Next(10);
        for (int i = 0; i < words; i++)
        {
            sb.Append(' ').Append(Words[random.Next(Words.Length)]);
        }

        return sb.Append('.').ToString();
    }

    private static void Prose(StringBuilder sb, Random random, int sentences)
    {
        for (int i = 0; i < sentences; i++)
        {
            sb.Append(Sentence(random)).Append(i % 3 == 2 ? '\n' : ' ');
        }

        sb.Append('\n');
    }
}
