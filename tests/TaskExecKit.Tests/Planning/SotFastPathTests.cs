using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using TaskExecKit.Planning;

namespace TaskExecKit.Tests.Planning;

/// <summary>The hand-written fast paths of the sot.md readers read exactly what the regexes they replace read.</summary>
public sealed class SotFastPathTests
{
    // The attribute pattern SotV2Reader used before it read attributes by hand.
    private static readonly Regex AttributeRegex = new(
        @"^[ \t]*[-*+][ \t]+(?<key>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:(?<value>.*)$", RegexOptions.CultureInvariant);

    // The task item pattern SotV2Reader used before it read task lines by hand.
    private static readonly Regex TaskItemRegex = new(
        @"^(?<indent>[ \t]*)[-*+][ \t]+\[(?<done>[ xX])\][ \t]+`(?<id>[A-Z][A-Z0-9]*-[0-9]+)`(?<title>.*)$", RegexOptions.CultureInvariant);

    private static readonly string[] TaskFragments =
        [" ", "\t", "-", "*", "+", "[ ]", "[x]", "[X]", "[", "]", "x", "`", "A", "Z9", "a", "-", "1", "42", "é", "TASK-001", "`TASK-1`", "title", "—", ""];

    private static readonly string[] Fragments =
        [" ", "  ", "\t", "-", "*", "+", ":", "_", ".", "agent", "Run", "x9", "9", "`", "[ ]", "é", "#", "\"echo\"", "a-b", ""];

    [Theory]
    [InlineData("  - agent: shell")]
    [InlineData("  - run: [\"echo\",\"x\"]")]
    [InlineData("\t* Needs\t: TASK-1, TASK-2")]
    [InlineData("  + _x.y-z:")]
    [InlineData("  -agent: shell")]
    [InlineData("  - 9agent: shell")]
    [InlineData("  - agent shell")]
    [InlineData("  - ag ent: shell")]
    [InlineData("- [ ] `TASK-1` title")]
    [InlineData("")]
    [InlineData("   ")]
    public void TryReadAttribute_KnownLines_AgreesWithRegex(string line) => Assert.True(Agrees(line));

    [Property(MaxTest = 2000)]
    public Property TryReadAttribute_AnyLine_AgreesWithRegex()
        => Prop.ForAll(
            Gen.Elements(Fragments).ArrayOf().Select(parts => string.Concat(parts)).ToArbitrary(),
            Agrees);

    [Theory]
    [InlineData("- [ ] `TASK-1` title")]
    [InlineData("\t* [X]\t`A9B-00` — x")]
    [InlineData("+ [x] `A-1`")]
    [InlineData("-[ ] `A-1`")]
    [InlineData("- [ ]`A-1`")]
    [InlineData("- [y] `A-1`")]
    [InlineData("- [ ] `a-1`")]
    [InlineData("- [ ] `A-`")]
    [InlineData("- [ ] `A-1")]
    [InlineData("- [ ] `A1`")]
    [InlineData("- [")]
    [InlineData("")]
    public void TryReadTaskItem_KnownLines_AgreesWithRegex(string line) => Assert.True(TaskItemAgrees(line));

    [Property(MaxTest = 3000)]
    public Property TryReadTaskItem_AnyLine_AgreesWithRegex()
        => Prop.ForAll(
            Gen.Elements(TaskFragments).ArrayOf().Select(parts => string.Concat(parts)).ToArbitrary(),
            TaskItemAgrees);

    [Fact]
    public void ParseSot_V1TasksLine_ReadsIdsAndColumns()
    {
        string sot = "### G. Execution Queue & Task Hooks\n1. **Queue A — Setup**\n   - Tasks: `TASK-001`, `TASK-0002` and `TASK-12`\n";

        var plan = Plan.ParseSot(sot);

        Assert.Equal(["TASK-001", "TASK-0002"], plan.Tasks.Select(t => t.Id));
        Assert.Equal([(3, 14), (3, 26)], plan.Tasks.Select(t => (t.Location!.Value.Line, t.Location!.Value.Column)));
    }

    private static bool Agrees(string line)
    {
        var match = AttributeRegex.Match(line);
        bool read = SotV2Reader.TryReadAttribute(line, out int keyStart, out int keyLength, out int valueStart);
        if (read != match.Success)
        {
            return false;
        }

        return !read
            || (match.Groups["key"].Index == keyStart
                && match.Groups["key"].Length == keyLength
                && match.Groups["value"].Value == line[valueStart..]);
    }

    private static bool TaskItemAgrees(string line)
    {
        var match = TaskItemRegex.Match(line);
        bool read = SotV2Reader.TryReadTaskItem(line, out var task);
        if (read != match.Success)
        {
            return false;
        }

        return !read
            || (match.Groups["indent"].Length == task.IndentLength
                && (match.Groups["done"].Value is "x" or "X") == task.Done
                && match.Groups["id"].Index == task.IdStart
                && match.Groups["id"].Length == task.IdLength
                && match.Groups["title"].Value == line[task.TitleStart..]);
    }
}
