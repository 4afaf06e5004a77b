using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using TaskExecKit.Effects;

namespace TaskExecKit.Planning;

/// <summary>
/// Reads a well-formed plan.json in one pass with <see cref="Utf8JsonReader"/>, straight into
/// tasks: no node tree, lines and columns counted forward as the reader moves. It gives exactly
/// the plan <see cref="PlanJsonReader"/>'s tree reader gives (tasks, locations, diagnostics), and
/// gives up (returns false) on anything that would throw there (broken JSON, invalid UTF-8, a
/// wrong shape) or that it does not handle in order (a version after the queues, a queue's name
/// after its tasks, repeated top-level or queue keys): the tree reader then reads the file and
/// reports the problem as before.
/// </summary>
internal ref struct PlanJsonFastReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    private static readonly byte[][] TaskKeys = [.. AttributeLocations.Keys.Select(Encoding.UTF8.GetBytes)];

    private const int Id = 0, Title = 1, Layer = 2, Agent = 3, Run = 4, Needs = 5, Effects = 6, Timeout = 7, Retries = 8, Description = 9, Done = 10, Idempotent = 11, Tool = 12, Args = 13;

    private readonly byte[] _utf8;
    private readonly string? _file;
    private Utf8JsonReader _reader;
    private readonly List<PlanDiagnostic> _diagnostics = [];
    private readonly Dictionary<string, (Capability? Capability, string Error)> _effects = new(StringComparer.Ordinal);
    private readonly StringCache _strings = new();
    private readonly Slot[] _slots = new Slot[TaskKeys.Length];
    private readonly List<(string Key, SourceLocation At)> _unknown = [];

    // Line counting: the 0-based line of _scanned and where that line starts.
    private int _line;
    private int _lineStart;
    private int _scanned;

    private PlanJsonFastReader(byte[] utf8, int length, string? file)
    {
        _utf8 = utf8;
        _file = file;
        _reader = new Utf8JsonReader(utf8.AsSpan(0, length), ReaderOptions);
    }

    internal static bool TryRead(byte[] utf8, int length, string? file, out Plan? plan)
    {
        var fast = new PlanJsonFastReader(utf8, length, file);
        try
        {
            plan = fast.ReadPlan();
        }
        catch (JsonException)
        {
            plan = null;
        }
        catch (InvalidOperationException)
        {
            plan = null;
        }

        return plan is not null;
    }

    private Plan? ReadPlan()
    {
        if (!_reader.Read() || _reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        int version = 0;
        bool seenSource = false, seenAt = false, seenQueues = false;
        string? source = null;
        DateTimeOffset generatedAt = default;
        List<PlanQueue>? queues = null;
        var rootUnknown = new List<(string Key, SourceLocation At)>();
        while (Next() == JsonTokenType.PropertyName)
        {
            if (_reader.ValueTextEquals("version"u8))
            {
                if (version != 0 || Next() != JsonTokenType.Number
                    || !int.TryParse(_reader.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out version) || version is < 1 or > 2)
                {
                    return null;
                }
            }
            else if (_reader.ValueTextEquals("source"u8))
            {
                if (seenSource || Next() is not (JsonTokenType.String or JsonTokenType.Null))
                {
                    return null;
                }

                seenSource = true;
                source = _reader.TokenType == JsonTokenType.String ? _reader.GetString() : null;
            }
            else if (_reader.ValueTextEquals("generated_at"u8))
            {
                if (seenAt || Next() != JsonTokenType.String
                    || !DateTimeOffset.TryParse(_reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out generatedAt))
                {
                    return null;
                }

                seenAt = true;
            }
            else if (_reader.ValueTextEquals("queues"u8))
            {
                if (seenQueues || version == 0 || Next() != JsonTokenType.StartArray)
                {
                    return null;
                }

                seenQueues = true;
                queues = [];
                while (Next() != JsonTokenType.EndArray)
                {
                    if (ReadQueue(version) is not { } queue)
                    {
                        return null;
                    }

                    queues.Add(queue);
                }
            }
            else
            {
                string key = _reader.GetString()!;
                Next();
                rootUnknown.Add((key, At(_reader.TokenStartIndex)));
                SkipValue();
            }
        }

        // Nothing may follow the root value (Read throws for anything but whitespace).
        if (_reader.Read() || version == 0 || queues is null)
        {
            return null;
        }

        if (version >= 2 && rootUnknown.Count > 0)
        {
            _diagnostics.InsertRange(0, rootUnknown.Select(u => Unknown(u.Key, u.At, "plan", null, PlanJsonReader.TopKeys)));
        }

        return new Plan(version, source, generatedAt, queues, _file, _diagnostics);
    }

    private PlanQueue? ReadQueue(int version)
    {
        if (_reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        var at = At(_reader.TokenStartIndex);
        int firstDiagnostic = _diagnostics.Count;
        string? name = null;
        List<PlanTask>? tasks = null;
        List<PlanDiagnostic>? unknown = null;
        while (Next() == JsonTokenType.PropertyName)
        {
            if (_reader.ValueTextEquals("name"u8))
            {
                if (name is not null || Next() != JsonTokenType.String || (name = _reader.GetString()!).Length == 0)
                {
                    return null;
                }
            }
            else if (_reader.ValueTextEquals("tasks"u8))
            {
                if (tasks is not null || name is null || Next() != JsonTokenType.StartArray)
                {
                    return null;
                }

                tasks = [];
                while (Next() != JsonTokenType.EndArray)
                {
                    if (ReadTask(name, version) is not { } task)
                    {
                        return null;
                    }

                    tasks.Add(task);
                }
            }
            else
            {
                string key = _reader.GetString()!;
                Next();
                if (version >= 2)
                {
                    (unknown ??= []).Add(Unknown(key, At(_reader.TokenStartIndex), "queue", null, PlanJsonReader.QueueKeys));
                }

                SkipValue();
            }
        }

        if (name is null || tasks is null)
        {
            return null;
        }

        if (unknown is not null)
        {
            // The tree reader reports a queue's unknown keys before its tasks' problems.
            _diagnostics.InsertRange(firstDiagnostic, unknown);
        }

        return new PlanQueue(name, tasks, at);
    }

    private PlanTask? ReadTask(string queue, int version)
    {
        if (_reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        var at = At(_reader.TokenStartIndex);
        Array.Clear(_slots);
        _unknown.Clear();
        AttributeLocations? locations = version >= 2 ? new AttributeLocations(_file, 8) : null;
        while (Next() == JsonTokenType.PropertyName)
        {
            int key = KeyIndex();
            if (key < 0)
            {
                string name = _reader.GetString()!;
                Next();
                if (version >= 2)
                {
                    _unknown.Add((name, At(_reader.TokenStartIndex)));
                }

                SkipValue();
                continue;
            }

            Next();
            if (_slots[key].Kind != JsonTokenType.None)
            {
                // A repeated key: the first one counts.
                SkipValue();
                continue;
            }

            var where = version >= 2 ? At(_reader.TokenStartIndex) : default;
            locations?.TryAdd(key, where.Line, where.Column);
            _slots[key] = ReadSlot(key, where, version);
        }

        // Checks in the tree reader's order; anything it would throw for sends the file back to it.
        if (_slots[Id].Kind != JsonTokenType.String || _slots[Id].Text!.Length == 0)
        {
            return null;
        }

        string id = _slots[Id].Text!;
        if (!OptionalString(Title, out string? title) || !OptionalString(Layer, out string? layer))
        {
            return null;
        }

        title ??= id;
        layer ??= Layers.ForId(id);
        if (version < 2)
        {
            return new PlanTask(id, title, queue, layer, null, null, [], [], null, null, null, false, at);
        }

        if (!OptionalString(Agent, out string? agent) || !OptionalString(Description, out string? description))
        {
            return null;
        }

        foreach (var (key, where) in _unknown)
        {
            _diagnostics.Add(Unknown(key, where, "task", id, AttributeLocations.Keys));
        }

        IReadOnlyList<string>? run = null;
        if (_slots[Run].Kind != JsonTokenType.None)
        {
            var argv = Strings(Run, id, "run", PlanDiagnosticCodes.MalformedArgv);
            if (argv is not null && (argv.Count == 0 || argv[0].Length == 0))
            {
                Report(Run, PlanDiagnosticCodes.MalformedArgv, id, $"task {id}: run names no command");
            }
            else
            {
                run = argv;
            }
        }

        var needs = new List<string>();
        if (_slots[Needs].Kind != JsonTokenType.None && Strings(Needs, id, "needs", PlanDiagnosticCodes.MalformedAttribute) is { } deps)
        {
            needs.AddRange(deps);
        }

        var effects = new List<Capability>();
        if (_slots[Effects].Kind != JsonTokenType.None && Strings(Effects, id, "effects", PlanDiagnosticCodes.MalformedEffect) is { } items)
        {
            foreach (string item in items)
            {
                if (!_effects.TryGetValue(item, out var parsed))
                {
                    parsed = Capability.TryParse(item, out var capability, out string error) ? (capability, string.Empty) : (null, error);
                    _effects[item] = parsed;
                }

                if (parsed.Capability is not null)
                {
                    effects.Add(parsed.Capability);
                }
                else
                {
                    Report(Effects, PlanDiagnosticCodes.MalformedEffect, id, $"task {id}: {parsed.Error}");
                }
            }
        }

        TimeSpan? timeout = null;
        if (_slots[Timeout].Kind != JsonTokenType.None)
        {
            if (_slots[Timeout].Kind == JsonTokenType.String && SotV2Reader.TryParseTimeout(_slots[Timeout].Text!, out var value))
            {
                timeout = value;
            }
            else
            {
                Report(Timeout, PlanDiagnosticCodes.MalformedDuration, id, $"task {id} has timeout {Show(Timeout)}, which is not {SotV2Reader.ExpectedTimeout}");
            }
        }

        int? retries = null;
        if (_slots[Retries].Kind != JsonTokenType.None)
        {
            if (_slots[Retries].Kind == JsonTokenType.Number && int.TryParse(_slots[Retries].Text, NumberStyles.None, CultureInfo.InvariantCulture, out int r) && r <= SotV2Reader.MaxRetries)
            {
                retries = r;
            }
            else
            {
                Report(Retries, PlanDiagnosticCodes.MalformedAttribute, id, $"task {id} has retries {Show(Retries)}, which is not a whole number from 0 to {SotV2Reader.MaxRetries}");
            }
        }

        bool done = false;
        if (_slots[Done].Kind != JsonTokenType.None)
        {
            if (_slots[Done].Kind is JsonTokenType.True or JsonTokenType.False)
            {
                done = _slots[Done].Kind == JsonTokenType.True;
            }
            else
            {
                Report(Done, PlanDiagnosticCodes.MalformedAttribute, id, $"task {id} has done {Show(Done)}, which is not true or false");
            }
        }

        bool idempotent = true;
        if (_slots[Idempotent].Kind != JsonTokenType.None)
        {
            if (_slots[Idempotent].Kind is JsonTokenType.True or JsonTokenType.False)
            {
                idempotent = _slots[Idempotent].Kind == JsonTokenType.True;
            }
            else
            {
                Report(Idempotent, PlanDiagnosticCodes.MalformedAttribute, id, $"task {id} has idempotent {Show(Idempotent)}, which is not true or false");
            }
        }

        string? tool = null;
        if (_slots[Tool].Kind != JsonTokenType.None)
        {
            if (_slots[Tool].Kind == JsonTokenType.String && ToolArguments.IsKey(_slots[Tool].Text!))
            {
                tool = _slots[Tool].Text;
            }
            else
            {
                Report(Tool, PlanDiagnosticCodes.MalformedAttribute, id, $"task {id} has tool {Show(Tool)}, which is not a tool name (letters, digits, '_', '.', '-')");
            }
        }

        JsonElement? arguments = null;
        if (_slots[Args].Kind != JsonTokenType.None)
        {
            if (_slots[Args].Element is { } element && PlanJsonReader.Duplicate(element) is null)
            {
                arguments = element;
            }
            else
            {
                Report(Args, PlanDiagnosticCodes.MalformedAttribute, id, _slots[Args].Element is { } twice
                    ? $"task {id} has args that give '{PlanJsonReader.Duplicate(twice)}' more than once"
                    : $"task {id} has args {Show(Args)}, which is not a JSON object");
            }
        }

        return new PlanTask(id, title, queue, layer, agent, run, needs, effects, timeout, retries, description, done, at, locations, idempotent, tool, arguments);
    }

    /// <summary>Reads the value of a known key: its kind, its text (strings, numbers) or its strings (arrays).</summary>
    private Slot ReadSlot(int key, SourceLocation where, int version)
    {
        var kind = _reader.TokenType;
        switch (kind)
        {
            case JsonTokenType.String:
                // Agents, layers and the like repeat from task to task: share one string for each.
                return new Slot(kind, where, key is Agent or Layer ? _strings.Get(ref _reader) : _reader.GetString(), null);
            case JsonTokenType.Number:
                return new Slot(kind, where, Encoding.UTF8.GetString(_reader.ValueSpan), null);
            case JsonTokenType.StartArray when version >= 2 && key is Run or Needs or Effects:
                List<string>? strings = [];
                while (Next() != JsonTokenType.EndArray)
                {
                    if (_reader.TokenType == JsonTokenType.String)
                    {
                        strings?.Add(key == Needs ? _reader.GetString()! : _strings.Get(ref _reader));
                    }
                    else
                    {
                        strings = null;
                        SkipValue();
                    }
                }

                return new Slot(kind, where, null, strings);
            case JsonTokenType.StartObject when version >= 2 && key == Args:
                var copy = _reader;
                var element = JsonElement.ParseValue(ref copy);
                SkipValue();
                return new Slot(kind, where, null, null, element);
            default:
                SkipValue();
                return new Slot(kind, where, null, null);
        }
    }

    private int KeyIndex()
    {
        for (int i = 0; i < TaskKeys.Length; i++)
        {
            if (_reader.ValueTextEquals(TaskKeys[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private readonly bool OptionalString(int key, out string? value)
    {
        value = _slots[key].Text;
        return _slots[key].Kind is JsonTokenType.None or JsonTokenType.Null or JsonTokenType.String;
    }

    private readonly List<string>? Strings(int key, string id, string name, string code)
    {
        if (_slots[key].Kind != JsonTokenType.StartArray || _slots[key].Strings is null)
        {
            Report(key, code, id, $"task {id} has {name} {Show(key)}, which is not a JSON array of strings");
            return null;
        }

        return _slots[key].Strings;
    }

    private readonly void Report(int key, string code, string? id, string message)
        => _diagnostics.Add(new PlanDiagnostic(code, message, _slots[key].At, id));

    private static PlanDiagnostic Unknown(string key, SourceLocation at, string what, string? id, string[] known)
        => new(PlanDiagnosticCodes.UnknownAttribute, $"{what}{(id is null ? string.Empty : " " + id)} has an unknown key \"{key}\"; known keys: {string.Join(", ", known)}", at, id);

    private readonly string Show(int key) => PlanJsonReader.Show(_slots[key].Kind, _slots[key].Text ?? string.Empty);

    /// <summary>Reads the next token; every string and property name is checked as the tree reader's GetString would.</summary>
    private JsonTokenType Next()
    {
        if (!_reader.Read())
        {
            throw new JsonException("unexpected end");
        }

        if (_reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
        {
            if (_reader.ValueIsEscaped)
            {
                _ = _reader.GetString();
            }
            else if (!Utf8.IsValid(_reader.ValueSpan))
            {
                throw new InvalidOperationException("invalid UTF-8");
            }
        }

        return _reader.TokenType;
    }

    /// <summary>Moves past the current value, checking the strings inside it.</summary>
    private void SkipValue()
    {
        if (_reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            int depth = _reader.CurrentDepth;
            while (Next() is not (JsonTokenType.EndObject or JsonTokenType.EndArray) || _reader.CurrentDepth > depth)
            {
            }
        }
    }

    /// <summary>The line and column of a byte offset at or after every offset asked for before.</summary>
    private SourceLocation At(long offset)
    {
        int to = (int)offset;
        var span = _utf8.AsSpan(_scanned, to - _scanned);
        int newlines = span.Count((byte)'\n');
        if (newlines > 0)
        {
            _line += newlines;
            _lineStart = _scanned + span.LastIndexOf((byte)'\n') + 1;
        }

        _scanned = to;
        int column = Encoding.UTF8.GetCharCount(_utf8, _lineStart, to - _lineStart) + 1;
        return new SourceLocation(_file, _line + 1, column);
    }

    private readonly record struct Slot(JsonTokenType Kind, SourceLocation At, string? Text, List<string>? Strings, JsonElement? Element = null);

    /// <summary>The last few short strings read, so repeated values (agent names, layers, commands) share one string.</summary>
    private sealed class StringCache
    {
        private readonly byte[][] _bytes = new byte[16][];
        private readonly string[] _strings = new string[16];
        private int _next;

        public string Get(ref Utf8JsonReader reader)
        {
            if (reader.ValueIsEscaped || reader.ValueSpan.Length > 32)
            {
                return reader.GetString()!;
            }

            var span = reader.ValueSpan;
            for (int i = 0; i < _bytes.Length && _bytes[i] is not null; i++)
            {
                if (span.SequenceEqual(_bytes[i]))
                {
                    return _strings[i];
                }
            }

            string value = reader.GetString()!;
            _bytes[_next] = span.ToArray();
            _strings[_next] = value;
            _next = (_next + 1) % _bytes.Length;
            return value;
        }
    }
}
