using System.Globalization;
using System.Text;
using System.Text.Json;
using TaskExecKit.Effects;

namespace TaskExecKit.Planning;

/// <summary>
/// Reads plan.json version 1 (legacy; unknown keys ignored) and version 2 (unknown keys are
/// problems). Broken JSON or a wrong shape throws <see cref="PlanParseException"/> with line and
/// column; malformed attribute values become validation problems.
/// </summary>
internal static class PlanJsonReader
{
    private static readonly string[] V2TaskKeys = AttributeLocations.Keys;
    internal static readonly string[] TopKeys = ["version", "source", "generated_at", "queues"];
    internal static readonly string[] QueueKeys = ["name", "tasks"];

    internal static Plan Read(byte[] utf8, string? file) => Read(utf8, utf8.Length, file);

    /// <summary>Reads the first <paramref name="length"/> bytes of <paramref name="utf8"/> (a pooled buffer may be longer); keeps no reference to it.</summary>
    internal static Plan Read(byte[] utf8, int length, string? file)
    {
        // Well-formed files (every file ToJson writes) are read in one pass without a tree; the
        // tree reader below reads the rest, and reports their problems.
        if (PlanJsonFastReader.TryRead(utf8, length, file, out var plan))
        {
            return plan!;
        }

        return ReadWithTree(length == utf8.Length ? utf8 : utf8[..length], file);
    }

    /// <summary>Reads plan.json through a tree of its values: the reference reader, and the one that reports problems.</summary>
    internal static Plan ReadWithTree(byte[] utf8, string? file)
    {
        var text = new TextMap(utf8, file);
        Node root;
        try
        {
            root = Node.Parse(utf8, text);
        }
        catch (JsonException ex)
        {
            int line = (int)(ex.LineNumber ?? 0) + 1;
            int column = (int)(ex.BytePositionInLine ?? 0) + 1;
            throw new PlanParseException(file, line, column, "not valid JSON: " + JsonProblem(ex.Message), ex);
        }

        var reader = new Reader(text);
        return reader.ReadPlan(root);
    }

    private static string JsonProblem(string message)
    {
        // System.Text.Json appends its own "LineNumber: .. | BytePositionInLine: .." which we already report.
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    private sealed class Reader(TextMap text)
    {
        private readonly List<PlanDiagnostic> _diagnostics = [];

        public Plan ReadPlan(Node root)
        {
            Expect(root, JsonTokenType.StartObject, "a plan.json is a JSON object");
            var versionNode = root.Get("version") ?? throw Fail(root, "plan.json has no \"version\"");
            if (versionNode.Kind != JsonTokenType.Number || !int.TryParse(versionNode.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version is < 1 or > 2)
            {
                throw Fail(versionNode, $"plan.json has version {versionNode.Text}; this TaskExecKit reads versions 1 and 2");
            }

            if (version >= 2)
            {
                UnknownKeys(root, TopKeys, "plan", null);
            }

            string? source = OptionalString(root, "source");
            DateTimeOffset generatedAt = default;
            if (root.Get("generated_at") is { } at)
            {
                if (at.Kind != JsonTokenType.String
                    || !DateTimeOffset.TryParse(at.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out generatedAt))
                {
                    throw Fail(at, $"\"generated_at\" is {Show(at)}, not a UTC ISO-8601 time like 2025-10-01T12:00:00Z");
                }
            }

            var queuesNode = root.Get("queues") ?? throw Fail(root, "plan.json has no \"queues\"");
            Expect(queuesNode, JsonTokenType.StartArray, "\"queues\" is a JSON array");
            var queues = new List<PlanQueue>(queuesNode.Items.Count);
            foreach (var q in queuesNode.Items)
            {
                Expect(q, JsonTokenType.StartObject, "each queue is a JSON object with \"name\" and \"tasks\"");
                if (version >= 2)
                {
                    UnknownKeys(q, QueueKeys, "queue", null);
                }

                string name = RequiredString(q, "name", "queue");
                var tasksNode = q.Get("tasks") ?? throw Fail(q, $"queue '{name}' has no \"tasks\"");
                Expect(tasksNode, JsonTokenType.StartArray, $"\"tasks\" of queue '{name}' is a JSON array");
                var tasks = new List<PlanTask>(tasksNode.Items.Count);
                foreach (var t in tasksNode.Items)
                {
                    tasks.Add(ReadTask(t, name, version));
                }

                queues.Add(new PlanQueue(name, tasks, text.At(q.Offset)));
            }

            return new Plan(version, source, generatedAt, queues, text.File, _diagnostics);
        }

        private PlanTask ReadTask(Node t, string queue, int version)
        {
            Expect(t, JsonTokenType.StartObject, "each task is a JSON object with at least an \"id\"");
            string id = RequiredString(t, "id", "task");
            var at = text.At(t.Offset);
            string title = OptionalString(t, "title") ?? id;
            string layer = OptionalString(t, "layer") ?? Layers.ForId(id);
            if (version < 2)
            {
                return new PlanTask(id, title, queue, layer, null, null, [], [], null, null, null, false, at);
            }

            UnknownKeys(t, V2TaskKeys, "task", id);
            var locations = new AttributeLocations(text.File, 8);
            foreach (var (key, value) in t.Members)
            {
                int index = AttributeLocations.IndexOf(key);
                if (index >= 0)
                {
                    var where = text.At(value.Offset);
                    locations.TryAdd(index, where.Line, where.Column);
                }
            }

            IReadOnlyList<string>? run = null;
            if (t.Get("run") is { } runNode)
            {
                var argv = Strings(runNode, id, "run", PlanDiagnosticCodes.MalformedArgv);
                if (argv is not null && (argv.Count == 0 || argv[0].Length == 0))
                {
                    Report(runNode, PlanDiagnosticCodes.MalformedArgv, id, $"task {id}: run names no command");
                }
                else
                {
                    run = argv;
                }
            }

            var needs = new List<string>();
            if (t.Get("needs") is { } needsNode && Strings(needsNode, id, "needs", PlanDiagnosticCodes.MalformedAttribute) is { } deps)
            {
                needs.AddRange(deps);
            }

            var effects = new List<Capability>();
            if (t.Get("effects") is { } effectsNode && Strings(effectsNode, id, "effects", PlanDiagnosticCodes.MalformedEffect) is { } items)
            {
                foreach (string item in items)
                {
                    if (Capability.TryParse(item, out var capability, out string error))
                    {
                        effects.Add(capability);
                    }
                    else
                    {
                        Report(effectsNode, PlanDiagnosticCodes.MalformedEffect, id, $"task {id}: {error}");
                    }
                }
            }

            TimeSpan? timeout = null;
            if (t.Get("timeout") is { } timeoutNode)
            {
                if (timeoutNode.Kind == JsonTokenType.String && SotV2Reader.TryParseTimeout(timeoutNode.Text, out var value))
                {
                    timeout = value;
                }
                else
                {
                    Report(timeoutNode, PlanDiagnosticCodes.MalformedDuration, id, $"task {id} has timeout {Show(timeoutNode)}, which is not {SotV2Reader.ExpectedTimeout}");
                }
            }

            int? retries = null;
            if (t.Get("retries") is { } retriesNode)
            {
                if (retriesNode.Kind == JsonTokenType.Number && int.TryParse(retriesNode.Text, NumberStyles.None, CultureInfo.InvariantCulture, out int r) && r <= SotV2Reader.MaxRetries)
                {
                    retries = r;
                }
                else
                {
                    Report(retriesNode, PlanDiagnosticCodes.MalformedAttribute, id, $"task {id} has retries {Show(retriesNode)}, which is not a whole number from 0 to {SotV2Reader.MaxRetries}");
                }
            }

            bool done = false;
            if (t.Get("done") is { } doneNode)
            {
                if (doneNode.Kind is JsonTokenType.True or JsonTokenType.False)
                {
                    done = doneNode.Kind == JsonTokenType.True;
                }
                else
                {
                    Report(doneNode, PlanDiagnosticCodes.MalformedAttribute, id, $"task {id} has done {Show(doneNode)}, which is not true or false");
                }
            }

            bool idempotent = true;
            if (t.Get("idempotent") is { } idempotentNode)
            {
                if (idempotentNode.Kind is JsonTokenType.True or JsonTokenType.False)
                {
                    idempotent = idempotentNode.Kind == JsonTokenType.True;
                }
                else
                {
                    Report(idempotentNode, PlanDiagnosticCodes.MalformedAttribute, id, $"task {id} has idempotent {Show(idempotentNode)}, which is not true or false");
                }
            }

            string? tool = null;
            if (t.Get("tool") is { } toolNode)
            {
                if (toolNode.Kind == JsonTokenType.String && ToolArguments.IsKey(toolNode.Text))
                {
                    tool = toolNode.Text;
                }
                else
                {
                    Report(toolNode, PlanDiagnosticCodes.MalformedAttribute, id, $"task {id} has tool {Show(toolNode)}, which is not a tool name (letters, digits, '_', '.', '-')");
                }
            }

            JsonElement? arguments = null;
            if (t.Get("args") is { } argsNode)
            {
                if (argsNode.Kind == JsonTokenType.StartObject && text.Element(argsNode.Offset) is var element && Duplicate(element) is null)
                {
                    arguments = element;
                }
                else
                {
                    Report(argsNode, PlanDiagnosticCodes.MalformedAttribute, id, argsNode.Kind == JsonTokenType.StartObject
                        ? $"task {id} has args that give '{Duplicate(text.Element(argsNode.Offset))}' more than once"
                        : $"task {id} has args {Show(argsNode)}, which is not a JSON object");
                }
            }

            return new PlanTask(
                id, title, queue, layer, OptionalString(t, "agent"), run, needs, effects, timeout, retries,
                OptionalString(t, "description"), done, at, locations, idempotent, tool, arguments);
        }

        private List<string>? Strings(Node node, string id, string key, string code)
        {
            if (node.Kind != JsonTokenType.StartArray || node.Items.Exists(i => i.Kind != JsonTokenType.String))
            {
                Report(node, code, id, $"task {id} has {key} {Show(node)}, which is not a JSON array of strings");
                return null;
            }

            return node.Items.ConvertAll(i => i.Text);
        }

        private void UnknownKeys(Node obj, string[] known, string what, string? id)
        {
            foreach (var (key, value) in obj.Members)
            {
                if (Array.IndexOf(known, key) < 0)
                {
                    Report(value, PlanDiagnosticCodes.UnknownAttribute, id, $"{what}{(id is null ? string.Empty : " " + id)} has an unknown key \"{key}\"; known keys: {string.Join(", ", known)}");
                }
            }
        }

        private string? OptionalString(Node obj, string key)
        {
            var node = obj.Get(key);
            if (node is null || node.Kind == JsonTokenType.Null)
            {
                return null;
            }

            return node.Kind == JsonTokenType.String ? node.Text : throw Fail(node, $"\"{key}\" is {Show(node)}, not a string");
        }

        private string RequiredString(Node obj, string key, string what)
        {
            var node = obj.Get(key) ?? throw Fail(obj, $"a {what} has no \"{key}\"");
            if (node.Kind != JsonTokenType.String || node.Text.Length == 0)
            {
                throw Fail(node, $"the {what}'s \"{key}\" is {Show(node)}, not a non-empty string");
            }

            return node.Text;
        }

        private void Expect(Node node, JsonTokenType kind, string rule)
        {
            if (node.Kind != kind)
            {
                throw Fail(node, $"{rule}, but found {Show(node)}");
            }
        }

        private void Report(Node node, string code, string? id, string message)
            => _diagnostics.Add(new PlanDiagnostic(code, message, text.At(node.Offset), id));

        private PlanParseException Fail(Node node, string problem)
        {
            var at = text.At(node.Offset);
            return new PlanParseException(text.File, at.Line, at.Column, problem);
        }

        private static string Show(Node node) => PlanJsonReader.Show(node.Kind, node.Text);
    }

    /// <summary>The first property name an object gives twice, or null.</summary>
    internal static string? Duplicate(JsonElement obj)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                return property.Name;
            }
        }

        return null;
    }

    /// <summary>Names a JSON value in a message: its kind, and its text for strings and numbers.</summary>
    internal static string Show(JsonTokenType kind, string text) => kind switch
    {
        JsonTokenType.String => text.Length > 40 ? $"the string \"{text[..40]}…\"" : $"the string \"{text}\"",
        JsonTokenType.Number => "the number " + text,
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => "null",
    };

    /// <summary>A JSON value and where it starts (a byte offset), so problems can name line and column.</summary>
    private sealed class Node
    {
        private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

        public JsonTokenType Kind { get; private init; }

        public long Offset { get; private init; }

        public string Text { get; private init; } = string.Empty;

        private List<Node>? _items;
        private List<(string Key, Node Value)>? _members;

        // Created on first use: most nodes are strings and numbers, which never need either list.
        public List<Node> Items => _items ??= [];

        public List<(string Key, Node Value)> Members => _members ??= [];

        public Node? Get(string key)
        {
            foreach (var (k, v) in Members)
            {
                if (k == key)
                {
                    return v;
                }
            }

            return null;
        }

        public static Node Parse(byte[] utf8, TextMap text)
        {
            var reader = new Utf8JsonReader(utf8, ReaderOptions);
            if (!reader.Read())
            {
                throw new JsonException("the file is empty", null, 0, 0);
            }

            var node = ReadValue(ref reader, text);
            if (reader.Read())
            {
                throw new JsonException("there is more after the JSON value", null, 0, reader.TokenStartIndex);
            }

            return node;
        }

        private static Node ReadValue(ref Utf8JsonReader reader, TextMap text)
        {
            var node = new Node
            {
                Kind = reader.TokenType,
                Offset = reader.TokenStartIndex,
                Text = reader.TokenType switch
                {
                    JsonTokenType.String => ReadString(ref reader, text),
                    JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                    _ => string.Empty,
                },
            };

            if (reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    node.Items.Add(ReadValue(ref reader, text));
                }
            }
            else if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string key = ReadString(ref reader, text);
                    reader.Read();
                    node.Members.Add((key, ReadValue(ref reader, text)));
                }
            }

            return node;
        }

        // Utf8JsonReader does not check a string's UTF-8 or its \uD800-style escapes until the
        // string is read; GetString then throws InvalidOperationException, which is a parse error here.
        private static string ReadString(ref Utf8JsonReader reader, TextMap text)
        {
            try
            {
                return reader.GetString() ?? string.Empty;
            }
            catch (InvalidOperationException ex)
            {
                var at = text.At(reader.TokenStartIndex);
                throw new JsonException("a string is not valid UTF-8 or has an unpaired surrogate escape", null, at.Line - 1, at.Column - 1, ex);
            }
        }
    }

    /// <summary>Turns byte offsets into 1-based lines and columns.</summary>
    private sealed class TextMap
    {
        private readonly byte[] _utf8;
        private readonly List<int> _lineStarts = [0];

        public TextMap(byte[] utf8, string? file)
        {
            _utf8 = utf8;
            File = file;
            for (int i = 0; i < utf8.Length; i++)
            {
                if (utf8[i] == (byte)'\n')
                {
                    _lineStarts.Add(i + 1);
                }
            }
        }

        public string? File { get; }

        /// <summary>The JSON value that starts at a byte offset, read again as an element (for a task's args).</summary>
        public JsonElement Element(long offset)
        {
            var reader = new Utf8JsonReader(_utf8.AsSpan((int)offset), new JsonReaderOptions { MaxDepth = 64 });
            reader.Read();
            return JsonElement.ParseValue(ref reader);
        }

        public SourceLocation At(long offset)
        {
            int index = _lineStarts.BinarySearch((int)offset);
            int line = index >= 0 ? index : ~index - 1;
            int start = _lineStarts[line];
            int column = Encoding.UTF8.GetCharCount(_utf8, start, (int)offset - start) + 1;
            return new SourceLocation(File, line + 1, column);
        }
    }
}
