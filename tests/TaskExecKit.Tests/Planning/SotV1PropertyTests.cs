using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

/// <summary>
/// sot.md version 1 is read exactly as legacy-format.md says. These properties generate
/// legacy files full of noise and near misses and compare the reader with a small model of
/// the rules written here from the format description (not from the library).
/// </summary>
public sealed partial class SotV1PropertyTests
{
    private const string Section = "### G. Execution Queue & Task Hooks";

    [Property(MaxTest = 400)]
    public Property ParseSot_V1NoiseLines_MatchesModel() => Prop.ForAll(V1Gen.Documents.ToArbitrary(), doc =>
    {
        // The generator must never write a v2 task item: that would switch the format.
        Assert.DoesNotContain(doc.Lines, l => V2TaskItem().IsMatch(l));

        var plan = Plan.ParseSot(doc.Text);
        var expected = Model.Read(doc.Lines);

        Assert.Equal(1, plan.Version);
        Assert.Equal(expected.Select(q => q.Name), plan.Queues.Select(q => q.Name));
        for (int q = 0; q < expected.Count; q++)
        {
            var tasks = plan.Queues[q].Tasks;
            Assert.Equal(expected[q].Ids, tasks.Select(t => t.Id));
            Assert.All(tasks, t =>
            {
                Assert.Equal(t.Id, t.Title);
                Assert.Equal(expected[q].Name, t.Queue);
                Assert.Equal(Model.Layer(t.Id), t.Layer);
                Assert.Null(t.Agent);
                Assert.Null(t.Run);
                Assert.Empty(t.Needs);
                Assert.False(t.IsDone);
            });
        }

        Assert.Equal(expected.SelectMany(q => q.Ids), plan.Tasks.Select(t => t.Id));
    });

    [Property(MaxTest = 200)]
    public Property ParseSot_V1WithOneV2TaskItem_SwitchesToV2() => Prop.ForAll(
        V1Gen.Documents.ToArbitrary(),
        Gen.Choose(0, 1000).ToArbitrary(),
        Gen.Elements("- [ ] `ZED-1` Switches the format", "* [x] `ZED-1`", "  + [X] `ZED-1` — done").ToArbitrary(),
        (doc, at, item) =>
        {
            var lines = doc.Lines.ToList();
            lines.Insert(at % (lines.Count + 1), item);
            var plan = Plan.ParseSot(string.Join("\n", lines));

            Assert.Equal(2, plan.Version);
            Assert.Equal(["ZED-1"], plan.Tasks.Select(t => t.Id));
        });

    [Fact]
    public void ParseSot_LegacyExample_ReadsQueuesTasksAndLayers()
    {
        string text = "# Project\r\n\r\n### G. Execution Queue & Task Hooks\r\n"
            + "1. **Queue A — Workspace Bootstrapping**\r\n"
            + "   - Tasks: `TASK-001`, `TASK-022`, `TASK-30`\r\n"
            + "2. **Queue B — Services**  \r\n"
            + "   - Tasks: `TASK-042`, `TASK-054`, `TASK-062`, `TASK-12345`\r\n"
            + "## Next section\r\n"
            + "3. **Queue C — Ignored**\r\n";

        var plan = Plan.ParseSot(text);

        Assert.Equal(["Queue A — Workspace Bootstrapping", "Queue B — Services"], plan.Queues.Select(q => q.Name));
        Assert.Equal(
            [("TASK-001", "foundation"), ("TASK-022", "orchestration"), ("TASK-042", "services"), ("TASK-054", "monitoring"), ("TASK-062", "execution"), ("TASK-12345", "execution")],
            plan.Tasks.Select(t => (t.Id, t.Layer)));
    }

    [GeneratedRegex(@"^[ \t]*[-*+][ \t]+\[[ xX]\][ \t]+`[A-Z][A-Z0-9]*-[0-9]+`")]
    private static partial Regex V2TaskItem();

    /// <summary>A generated file: its lines and the line ending after each.</summary>
    public sealed record V1Doc(string[] Lines, string[] Endings, bool FinalNewline)
    {
        public string Text
        {
            get
            {
                var sb = new StringBuilder();
                for (int i = 0; i < Lines.Length; i++)
                {
                    sb.Append(Lines[i]);
                    if (i < Lines.Length - 1 || FinalNewline)
                    {
                        sb.Append(Endings[i]);
                    }
                }

                return sb.ToString();
            }
        }

        public override string ToString() => Text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n\n", StringComparison.Ordinal);
    }

    /// <summary>The legacy rules, from legacy-format.md, read line by line.</summary>
    private static class Model
    {
        public static List<(string Name, List<string> Ids)> Read(IEnumerable<string> lines)
        {
            var queues = new List<(string Name, List<string> Ids)>();
            bool reading = false;
            foreach (string line in lines)
            {
                if (!reading)
                {
                    // The one section: its heading line, trimmed, starts with the heading text.
                    reading = line.Trim().StartsWith(Section, StringComparison.Ordinal);
                    continue;
                }

                // Reading stops at a line starting with "## ", or with "### " that is not "### G.".
                if (line.StartsWith("## ", StringComparison.Ordinal)
                    || (line.StartsWith("### ", StringComparison.Ordinal) && !line.StartsWith("### G.", StringComparison.Ordinal)))
                {
                    break;
                }

                if (QueueName(line) is { } name)
                {
                    queues.Add((name, []));
                }
                else if (queues.Count > 0 && line.Trim().StartsWith("- Tasks:", StringComparison.Ordinal))
                {
                    queues[^1].Ids.AddRange(TaskIds(line));
                }
            }

            return queues;
        }

        /// <summary>Digits, '.', whitespace, "**Queue ", A-Z, " — ", a name, "**", trailing whitespace.</summary>
        private static string? QueueName(string line)
        {
            int i = 0;
            while (i < line.Length && char.IsAsciiDigit(line[i]))
            {
                i++;
            }

            if (i == 0 || i >= line.Length || line[i] != '.')
            {
                return null;
            }

            int afterDot = ++i;
            while (i < line.Length && line[i] is ' ' or '\t')
            {
                i++;
            }

            string rest = line[i..];
            if (i == afterDot || !rest.StartsWith("**Queue ", StringComparison.Ordinal) || rest.Length < 12)
            {
                return null;
            }

            char letter = rest[8];
            if (letter is < 'A' or > 'Z' || !rest[9..].StartsWith(" — ", StringComparison.Ordinal))
            {
                return null;
            }

            string tail = rest[12..].TrimEnd(' ', '\t');
            if (!tail.EndsWith("**", StringComparison.Ordinal) || tail.Length < 3)
            {
                return null;
            }

            return $"Queue {letter} — {tail[..^2]}";
        }

        /// <summary>Backticked TASK- ids with three or more digits, left to right, not overlapping.</summary>
        private static IEnumerable<string> TaskIds(string line)
        {
            int i = 0;
            while (i < line.Length)
            {
                if (line[i] == '`' && string.CompareOrdinal(line, i + 1, "TASK-", 0, 5) == 0)
                {
                    int d = i + 6;
                    while (d < line.Length && char.IsAsciiDigit(line[d]))
                    {
                        d++;
                    }

                    if (d - (i + 6) >= 3 && d < line.Length && line[d] == '`')
                    {
                        yield return line[(i + 1)..d];
                        i = d + 1;
                        continue;
                    }
                }

                i++;
            }
        }

        public static string Layer(string id) => PlanAssert.LegacyLayer(id[(id.IndexOf('-', StringComparison.Ordinal) + 1)..]);
    }

    /// <summary>Generators of legacy files: noise, stray headings, odd whitespace, valid lines and near misses.</summary>
    internal static class V1Gen
    {
        private static readonly Gen<string> Space = Gen.Elements("", "", "", " ", "   ", "\t", " \t ");

        private static readonly Gen<string> Name = Gen.Elements(
            "Workspace Bootstrapping", "Build & Test", "x", "Déploiement", "A — B", "x*", "Queue Z", "Release 2.0", "  spaced", "**");

        private static readonly Gen<string> Noise = Gen.Elements(
            "", " ", "\t", "Some prose about the project.", "- a bullet", "* a star bullet", "1. numbered item",
            "> a quote", "`TASK-001` outside a tasks line", "Tasks: `TASK-002`", "| a | b |", "**bold**",
            "- [link](https://example.org)", "1. **Queue**", "Queue A — Not a queue", "#hashtag", "-- Tasks: `TASK-003`");

        private static readonly Gen<string> StrayHeading = Gen.Elements(
            "## x", "### y", "#### z", "### G. Other", "# Top", "##x", " ## indented", "###", "##", "## ", "### G.",
            "###\ty", "### G. Execution Queue & Task Hooks", "\t### z", "##### deep");

        private static readonly Gen<string> SectionHeading = Gen.Frequency(
            (8, Gen.Elements(Section, "  " + Section + "  ", "\t" + Section + " (legacy)", Section + ":")),
            (2, Gen.Elements(
                "### G. Execution Queue and Task Hooks", "## G. Execution Queue & Task Hooks", "### G Execution Queue & Task Hooks",
                "#### G. Execution Queue & Task Hooks", "### g. Execution Queue & Task Hooks", "###  G. Execution Queue & Task Hooks")));

        private static readonly Gen<string> QueueLine =
            from n in Gen.Choose(0, 1200)
            from letter in Gen.Choose('A', 'Z').Select(c => (char)c)
            from name in Name
            from trail in Space
            from variant in Gen.Frequency((10, Gen.Constant(0)), (6, Gen.Choose(1, 11)))
            select variant switch
            {
                0 => $"{n}. **Queue {letter} — {name}**{trail}",
                1 => $"{n}. **Queue {letter} - {name}**{trail}",
                2 => $"{n}. **Queue {char.ToLowerInvariant(letter)} — {name}**{trail}",
                3 => $"{n}. **Queue {letter} – {name}**{trail}",
                4 => $"{n}. **Queue {letter}  — {name}**{trail}",
                5 => $"{n}. **Queue  {letter} — {name}**{trail}",
                6 => $" {n}. **Queue {letter} — {name}**{trail}",
                7 => $"{n}. **Queue {letter} — {name}** and more",
                8 => $"{n}. Queue {letter} — {name}",
                9 => $"{n} **Queue {letter} — {name}**",
                10 => $"{n}. **Queue {letter}{letter} — {name}**",
                _ => $"{n}. **Queue {letter} —{name}**",
            };

        private static readonly Gen<string> TaskId =
            from num in Gen.Frequency((4, Gen.Choose(0, 70)), (1, Gen.Choose(0, 99_999)), (1, Gen.Constant(12_345)))
            from width in Gen.Choose(3, 5)
            from variant in Gen.Frequency((10, Gen.Constant(0)), (6, Gen.Choose(1, 9)))
            let digits = num.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')
            select variant switch
            {
                0 => $"`TASK-{digits}`",
                1 => $"`TASK-{num % 100:D2}`",
                2 => $"`TASK-{digits}a`",
                3 => $"TASK-{digits}",
                4 => $"`task-{digits}`",
                5 => $"`TASK_{digits}`",
                6 => $"`TASK-{digits} `",
                7 => $"``TASK-{digits}``",
                8 => $"`TASK-`",
                _ => $"`TASK-{digits}``TASK-{digits}`",
            };

        private static readonly Gen<string> TaskLine =
            from lead in Space
            from prefix in Gen.Frequency(
                (8, Gen.Constant("- Tasks:")),
                (1, Gen.Elements("- tasks:", "-Tasks:", "* Tasks:", "- Task:", "Tasks:", "- Tasks :", "-  Tasks:")))
            from count in Gen.Choose(0, 6)
            from ids in Gen.ArrayOf(TaskId, count)
            from sep in Gen.Elements(", ", ",", " ", " and ", "; ")
            from trail in Space
            select lead + prefix + " " + string.Join(sep, ids) + trail;

        private static readonly Gen<string> BodyLine = Gen.Frequency(
            (5, Noise), (3, QueueLine), (6, TaskLine), (1, StrayHeading));

        private static readonly Gen<string> EarlyLine = Gen.Frequency(
            (5, Noise), (2, QueueLine), (2, TaskLine), (1, StrayHeading));

        private static readonly Gen<string> Ending = Gen.Elements("\n", "\r\n", "\r");

        public static readonly Gen<V1Doc> Documents =
            from before in Gen.Choose(0, 5).SelectMany(n => Gen.ArrayOf(EarlyLine, n))
            from heading in Gen.Frequency((9, SectionHeading.Select(h => new[] { h })), (1, Gen.Constant(Array.Empty<string>())))
            from body in Gen.Choose(0, 30).SelectMany(n => Gen.ArrayOf(BodyLine, n))
            from after in Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Gen.Frequency((3, BodyLine), (1, SectionHeading)), n))
            let lines = before.Concat(heading).Concat(body).Concat(after).ToArray()
            from mixed in Gen.Elements(true, false)
            from one in Ending
            from endings in mixed ? Gen.ArrayOf(Ending, lines.Length) : Gen.Constant(Enumerable.Repeat(one, lines.Length).ToArray())
            from finalNewline in Gen.Elements(true, false)
            select new V1Doc(lines, endings, finalNewline);
    }
}
