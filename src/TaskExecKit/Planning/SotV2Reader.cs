using System.Globalization;
using System.Text.RegularExpressions;
using TaskExecKit.Effects;

namespace TaskExecKit.Planning;

/// <summary>
/// Version 2: task-list items with a backticked id are tasks; nested <c>key: value</c> items are
/// their attributes; the nearest heading is their queue. Fenced code blocks are skipped.
/// </summary>
internal static partial class SotV2Reader
{
    internal const string DefaultQueue = "Default";

    internal static readonly string[] KnownKeys = ["agent", "run", "needs", "effects", "timeout", "retries", "layer", "description", "idempotent", "tool", "args"];

    internal const int MaxRetries = 100;

    /// <summary>The form of a task's timeout, for the plan readers' diagnostics.</summary>
    internal const string ExpectedTimeout = "a whole number followed by ms, s, m or h (e.g. 250ms, 30s, 5m, 1h)";

    /// <summary>Reads a task's timeout (sot.md or plan.json): a <see cref="Duration"/>, trimmed, longer than zero.</summary>
    internal static bool TryParseTimeout(ReadOnlySpan<char> text, out TimeSpan value)
        => Duration.TryParse(text.Trim(), out value) && value > TimeSpan.Zero;

    internal static bool IsV2(string text)
    {
        var fence = new Fence();
        foreach (ReadOnlySpan<char> line in new LineReader(text))
        {
            if (fence.Skip(line))
            {
                continue;
            }

            if (line.Contains('`') && TryReadTaskItem(line, out _))
            {
                return true;
            }
        }

        return false;
    }

    internal static Plan Read(string text, string? file, string? source, DateTimeOffset now)
    {
        var diagnostics = new List<PlanDiagnostic>();
        var queueOrder = new List<string>();
        var queueTasks = new Dictionary<string, List<PlanTask>>(StringComparer.Ordinal);
        var queueAt = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        string queue = DefaultQueue;
        SourceLocation currentQueueAt = new(file, 1, 1);
        var fence = new Fence();

        // The tasks whose nested block is still open, outermost first; each holds its slot in
        // its queue's list, so tasks stay in file order whatever order their blocks close in.
        var open = new List<TaskDraft>();
        var shared = new SharedValues();

        int lineNo = 0;
        foreach (ReadOnlySpan<char> line in new LineReader(text))
        {
            lineNo++;
            if (fence.Skip(line, nested: open.Count > 0))
            {
                // Fenced lines are never tasks; a fence at or left of a task's indent ends its block.
                if (open.Count > 0 && !line.IsWhiteSpace())
                {
                    CloseFrom(IndentWidth(LeadingWhitespace(line)));
                }

                continue;
            }

            // Only a line whose first non-space character is '#' can be a heading; most lines are not.
            var heading = line.TrimStart(' ').StartsWith('#') ? Heading().Match(line.ToString()) : Match.Empty;
            if (heading.Success)
            {
                CloseFrom(0);
                string name = TrimClosingHashes(heading.Groups[2].Value);
                if (name.Length > 0)
                {
                    queue = name;
                    currentQueueAt = new SourceLocation(file, lineNo, 1);
                }

                continue;
            }

            if (TryReadTaskItem(line, out var task))
            {
                int indent = IndentWidth(line[..task.IndentLength]);
                CloseFrom(indent);
                if (!queueTasks.TryGetValue(queue, out var list))
                {
                    list = [];
                    queueTasks[queue] = list;
                    queueOrder.Add(queue);
                }

                open.Add(new TaskDraft(
                    line.Slice(task.IdStart, task.IdLength).ToString(),
                    CleanTitle(line[task.TitleStart..]),
                    queue,
                    task.Done,
                    indent,
                    new SourceLocation(file, lineNo, task.IndentLength + 1),
                    list,
                    list.Count,
                    shared));
                list.Add(null!);
                if (!queueAt.ContainsKey(queue))
                {
                    queueAt[queue] = currentQueueAt;
                }

                continue;
            }

            if (open.Count == 0 || line.IsWhiteSpace())
            {
                continue;
            }

            // A line ends the blocks of the tasks at or right of its indent; it belongs to the
            // innermost task left of it.
            CloseFrom(IndentWidth(LeadingWhitespace(line)));
            if (open.Count == 0)
            {
                continue;
            }

            if (TryReadAttribute(line, out int keyStart, out int keyLength, out int valueStart))
            {
                open[^1].Add(
                    KnownKey(line.Slice(keyStart, keyLength)) ?? line.Slice(keyStart, keyLength).ToString().ToLowerInvariant(),
                    line[valueStart..],
                    new SourceLocation(file, lineNo, keyStart + 1),
                    diagnostics);
            }

            // Other nested lines (notes, plain text) belong to the task and are not read.
        }

        CloseFrom(0);
        var queues = queueOrder.Select(name => new PlanQueue(name, queueTasks[name], queueAt[name])).ToList();
        return new Plan(2, source, now, queues, file, diagnostics);

        // Builds every open task whose indent is at or right of the given one (innermost first).
        void CloseFrom(int indent)
        {
            while (open.Count > 0 && open[^1].Indent >= indent)
            {
                open[^1].Build();
                open.RemoveAt(open.Count - 1);
            }
        }
    }

    /// <summary>
    /// Reads a nested <c>- key: value</c> item: exactly what
    /// <c>^[ \t]*[-*+][ \t]+(?&lt;key&gt;[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:(?&lt;value&gt;.*)$</c> matches
    /// (lines never hold \n or \r), written by hand because a regex match and its groups
    /// cost several hundred bytes on every attribute line.
    /// </summary>
    internal static bool TryReadAttribute(ReadOnlySpan<char> line, out int keyStart, out int keyLength, out int valueStart)
    {
        keyStart = keyLength = valueStart = 0;
        int i = 0;
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }

        if (i == line.Length || line[i] is not ('-' or '*' or '+'))
        {
            return false;
        }

        int afterBullet = ++i;
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }

        if (i == afterBullet || i == line.Length || !(char.IsAsciiLetter(line[i]) || line[i] == '_'))
        {
            return false;
        }

        int start = i++;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or '.' or '-'))
        {
            i++;
        }

        int end = i;
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }

        if (i == line.Length || line[i] != ':')
        {
            return false;
        }

        keyStart = start;
        keyLength = end - start;
        valueStart = i + 1;
        return true;
    }

    /// <summary>
    /// The known key spelled by <paramref name="key"/> in any case, as the shared constant: the
    /// same string <c>ToLowerInvariant</c> would give (keys are ASCII), without making one per line.
    /// </summary>
    private static string? KnownKey(ReadOnlySpan<char> key)
    {
        foreach (string known in KnownKeys)
        {
            if (key.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return null;
    }

    private static string CleanTitle(ReadOnlySpan<char> rest)
    {
        ReadOnlySpan<char> title = rest.Trim();
        if (title.Length > 0 && title[0] is '—' or '–' or '-' or ':')
        {
            return title[1..].TrimStart().ToString();
        }

        return title.ToString();
    }

    private static string TrimClosingHashes(string text)
    {
        string t = text.Trim();
        int end = t.Length;
        while (end > 0 && t[end - 1] == '#')
        {
            end--;
        }

        // Closing hashes count only when separated by a space (CommonMark).
        return end < t.Length && (end == 0 || t[end - 1] == ' ') ? t[..end].TrimEnd() : t;
    }

    private static ReadOnlySpan<char> LeadingWhitespace(ReadOnlySpan<char> line)
    {
        int n = 0;
        while (n < line.Length && line[n] is ' ' or '\t')
        {
            n++;
        }

        return line[..n];
    }

    private static int IndentWidth(ReadOnlySpan<char> indent)
    {
        int width = 0;
        foreach (char c in indent)
        {
            width += c == '\t' ? 4 - (width % 4) : 1;
        }

        return width;
    }

    private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> value)
    {
        ReadOnlySpan<char> v = value.Trim();
        return v.Length >= 2 && v[0] == '`' && v[^1] == '`' && v[1..].IndexOf('`') == v.Length - 2 ? v[1..^1].Trim() : v;
    }

    /// <summary>
    /// Reads a task item line: exactly what
    /// <c>^(?&lt;indent&gt;[ \t]*)[-*+][ \t]+\[(?&lt;done&gt;[ xX])\][ \t]+`(?&lt;id&gt;[A-Z][A-Z0-9]*-[0-9]+)`(?&lt;title&gt;.*)$</c>
    /// matches (lines never hold \n or \r), by hand: a regex match and its groups cost several
    /// hundred bytes on every task line.
    /// </summary>
    internal static bool TryReadTaskItem(ReadOnlySpan<char> line, out TaskLine task)
    {
        task = default;
        int i = 0;
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }

        int indent = i;
        if (i == line.Length || line[i] is not ('-' or '*' or '+'))
        {
            return false;
        }

        int spaces = ++i;
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }

        if (i == spaces || i + 2 >= line.Length || line[i] != '[' || line[i + 1] is not (' ' or 'x' or 'X') || line[i + 2] != ']')
        {
            return false;
        }

        bool done = line[i + 1] is 'x' or 'X';
        spaces = i += 3;
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }

        if (i == spaces || i == line.Length || line[i] != '`')
        {
            return false;
        }

        int idStart = ++i;
        if (i == line.Length || !char.IsAsciiLetterUpper(line[i]))
        {
            return false;
        }

        i++;
        while (i < line.Length && (char.IsAsciiLetterUpper(line[i]) || char.IsAsciiDigit(line[i])))
        {
            i++;
        }

        if (i == line.Length || line[i] != '-')
        {
            return false;
        }

        int digits = ++i;
        while (i < line.Length && char.IsAsciiDigit(line[i]))
        {
            i++;
        }

        if (i == digits || i == line.Length || line[i] != '`')
        {
            return false;
        }

        task = new TaskLine(indent, done, idStart, i - idStart, i + 1);
        return true;
    }

    /// <summary>
    /// The lines of a text as spans, without a string per line: the same lines as
    /// <see cref="SotReader.Lines"/> (\n, \r\n and \r end a line; a leading BOM is skipped).
    /// </summary>
    internal ref struct LineReader(string text)
    {
        private int _next = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;

        public ReadOnlySpan<char> Current { get; private set; }

        public readonly LineReader GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_next >= text.Length)
            {
                return false;
            }

            ReadOnlySpan<char> rest = text.AsSpan(_next);
            int end = rest.IndexOfAny('\n', '\r');
            if (end < 0)
            {
                Current = rest;
                _next = text.Length;
                return true;
            }

            Current = rest[..end];
            _next += end + (rest[end] == '\r' && end + 1 < rest.Length && rest[end + 1] == '\n' ? 2 : 1);
            return true;
        }
    }

    /// <summary>Where the parts of a task item line are.</summary>
    internal readonly record struct TaskLine(int IndentLength, bool Done, int IdStart, int IdLength, int TitleStart);

    /// <summary>Values many tasks repeat (agent names, layers, effects), read once per file and shared.</summary>
    private sealed class SharedValues
    {
        private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (Capability? Capability, string Error)> _effects = new(StringComparer.Ordinal);

        public string String(ReadOnlySpan<char> value)
        {
            if (value.Length > 64)
            {
                return value.ToString();
            }

            var lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(value, out string? shared))
            {
                shared = value.ToString();
                _strings[shared] = shared;
            }

            return shared;
        }

        public bool Effect(ReadOnlySpan<char> text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Capability? capability, out string error)
        {
            var lookup = _effects.GetAlternateLookup<ReadOnlySpan<char>>();
            if (!lookup.TryGetValue(text, out var parsed))
            {
                string key = text.ToString();
                parsed = Capability.TryParse(key, out var c, out string e) ? (c, string.Empty) : (null, e);
                _effects[key] = parsed;
            }

            capability = parsed.Capability;
            error = parsed.Error;
            return capability is not null;
        }
    }

    /// <summary>A task read so far: its line and the attributes under it.</summary>
    private sealed class TaskDraft(string id, string title, string queue, bool done, int indent, SourceLocation at, List<PlanTask> list, int slot, SharedValues shared)
    {
        private AttributeLocations? _locations;
        private string? _agent;
        private IReadOnlyList<string>? _run;
        private List<string>? _needs;
        private List<Capability>? _effects;
        private TimeSpan? _timeout;
        private int? _retries;
        private bool? _idempotent;
        private string? _layer;
        private string? _description;
        private string? _tool;
        private System.Text.Json.JsonElement? _arguments;

        public int Indent => indent;

        public void Add(string key, ReadOnlySpan<char> rawValue, SourceLocation where, List<PlanDiagnostic> diagnostics)
        {
            if (Array.IndexOf(KnownKeys, key) < 0)
            {
                Report(PlanDiagnosticCodes.UnknownAttribute, $"task {id} has an unknown attribute '{key}'; known attributes: {string.Join(", ", KnownKeys)}");
                return;
            }

            _locations ??= new AttributeLocations(where.File);
            if (!_locations.TryAdd(AttributeLocations.IndexOf(key), where.Line, where.Column))
            {
                _locations.TryGet(key, out var first);
                Report(PlanDiagnosticCodes.MalformedAttribute, $"task {id} gives '{key}' more than once (first on line {first.Line})");
                return;
            }

            ReadOnlySpan<char> value = Unquote(rawValue);
            if (value.Length == 0)
            {
                Report(PlanDiagnosticCodes.MalformedAttribute, $"task {id} has an empty '{key}'");
                return;
            }

            switch (key)
            {
                case "agent":
                    _agent = shared.String(value);
                    break;
                case "layer":
                    _layer = shared.String(value);
                    break;
                case "description":
                    _description = value.ToString();
                    break;
                case "run":
                    if (CommandLine.TryParse(value.ToString(), out var argv, out string argvError))
                    {
                        _run = argv;
                    }
                    else
                    {
                        Report(PlanDiagnosticCodes.MalformedArgv, $"task {id}: {argvError}");
                    }

                    break;
                case "needs":
                    _needs = [];
                    List<string>? notIds = null;
                    foreach (var range in value.SplitAny(", \t"))
                    {
                        // As string.Split with RemoveEmptyEntries | TrimEntries, then Trim('`').
                        ReadOnlySpan<char> item = value[range].Trim();
                        if (item.IsEmpty)
                        {
                            continue;
                        }

                        ReadOnlySpan<char> dep = item.Trim('`');
                        if (IdPattern().IsMatch(dep))
                        {
                            _needs.Add(dep.ToString());
                        }
                        else
                        {
                            (notIds ??= []).Add(dep.ToString());
                        }
                    }

                    if (notIds is not null)
                    {
                        Report(PlanDiagnosticCodes.MalformedAttribute, $"task {id} needs {string.Join(", ", notIds.Select(n => $"'{n}'"))}, which {(notIds.Count == 1 ? "is not a task id" : "are not task ids")} (like TASK-001); separate ids with commas");
                    }

                    break;
                case "effects":
                    _effects = [];
                    foreach (var range in value.Split(','))
                    {
                        ReadOnlySpan<char> item = value[range].Trim();
                        if (item.IsEmpty)
                        {
                            continue;
                        }

                        if (shared.Effect(item.Trim('`'), out var capability, out string effectError))
                        {
                            _effects.Add(capability);
                        }
                        else
                        {
                            Report(PlanDiagnosticCodes.MalformedEffect, $"task {id}: {effectError}");
                        }
                    }

                    break;
                case "timeout":
                    if (TryParseTimeout(value, out var timeout))
                    {
                        _timeout = timeout;
                    }
                    else
                    {
                        Report(PlanDiagnosticCodes.MalformedDuration, $"task {id} has timeout '{value}', which is not {ExpectedTimeout}");
                    }

                    break;
                case "retries":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int retries) && retries <= MaxRetries)
                    {
                        _retries = retries;
                    }
                    else
                    {
                        Report(PlanDiagnosticCodes.MalformedAttribute, $"task {id} has retries '{value}', which is not a whole number from 0 to {MaxRetries}");
                    }

                    break;
                case "tool":
                    if (ToolArguments.IsKey(value))
                    {
                        _tool = shared.String(value);
                    }
                    else
                    {
                        Report(PlanDiagnosticCodes.MalformedAttribute, $"task {id} has tool '{value}', which is not a tool name (letters, digits, '_', '.', '-')");
                    }

                    break;
                case "args":
                    if (ToolArguments.TryParse(value, out var arguments, out string argumentsError))
                    {
                        _arguments = arguments;
                    }
                    else
                    {
                        Report(PlanDiagnosticCodes.MalformedAttribute, $"task {id} has args that {argumentsError}; write {ToolArguments.Expected}");
                    }

                    break;
                case "idempotent":
                    if (bool.TryParse(value, out bool idempotent))
                    {
                        _idempotent = idempotent;
                    }
                    else
                    {
                        Report(PlanDiagnosticCodes.MalformedAttribute, $"task {id} has idempotent '{value}', which is not true or false");
                    }

                    break;
            }

            void Report(string code, string message) => diagnostics.Add(new PlanDiagnostic(code, message, where, id));
        }

        /// <summary>Puts the task in its slot of its queue's list.</summary>
        public void Build()
        {
            list[slot] = new PlanTask(
                id,
                title.Length == 0 ? id : title,
                queue,
                _layer ?? Layers.ForId(id),
                _agent,
                _run,
                _needs ?? [],
                _effects ?? [],
                _timeout,
                _retries,
                _description,
                done,
                at,
                _locations,
                _idempotent ?? true,
                _tool,
                _arguments);
        }
    }

    /// <summary>Tracks fenced code blocks (``` or ~~~), whose lines are never read.</summary>
    private struct Fence
    {
        private char _char;
        private int _length;
        private bool _nested;

        /// <summary>
        /// Returns true when the line opens, closes or is inside a fence. At the top level a fence
        /// line is indented at most 3 spaces (more is an indented code line); inside a task's nested
        /// block (<paramref name="nested"/>) a fence line opens a fence at any indentation, and a
        /// fence opened there closes at any indentation.
        /// </summary>
        public bool Skip(ReadOnlySpan<char> line, bool nested = false)
        {
            bool anyIndent = _length > 0 ? _nested : nested;
            ReadOnlySpan<char> t = anyIndent ? line.TrimStart(" \t") : line.TrimStart(' ');
            if (!anyIndent && line.Length - t.Length > 3)
            {
                return _length > 0;
            }

            int run = 0;
            char c = t.Length > 0 ? t[0] : '\0';
            if (c is '`' or '~')
            {
                while (run < t.Length && t[run] == c)
                {
                    run++;
                }
            }

            if (_length == 0)
            {
                if (run >= 3 && !(c == '`' && t[run..].Contains('`')))
                {
                    _char = c;
                    _length = run;
                    _nested = nested;
                    return true;
                }

                return false;
            }

            if (c == _char && run >= _length && t[run..].Trim().IsEmpty)
            {
                _length = 0;
            }

            return true;
        }
    }

    [GeneratedRegex(@"^[A-Z][A-Z0-9]*-[0-9]+$", RegexOptions.CultureInvariant)]
    internal static partial Regex IdPattern();


    [GeneratedRegex(@"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Heading();
}
