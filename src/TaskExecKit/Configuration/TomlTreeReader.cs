using System.Text.RegularExpressions;
using Tomlyn;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace TaskExecKit.Configuration;

/// <summary>
/// Parses TOML text with Tomlyn's syntax parser and turns the syntax tree into a
/// <see cref="ConfigNode"/> tree that keeps the line and column of every key.
/// </summary>
internal static partial class TomlTreeReader
{
    /// <summary>Returns the tree, or <see langword="null"/> after adding the syntax errors to <paramref name="problems"/>.</summary>
    public static ConfigNode? Read(string text, string file, ProblemList problems)
    {
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, file, validate: true);
        }
        catch (TomlException ex)
        {
            problems.Add(
                ConfigLocation.InFile(file, ex.Line ?? 1, ex.Column ?? 1),
                null,
                Redact(text, ex.Message.Split('\n')[0].Trim()));
            return null;
        }

        if (document.HasErrors)
        {
            foreach (var diagnostic in document.Diagnostics)
            {
                if (diagnostic.Kind == DiagnosticMessageKind.Error)
                {
                    problems.Add(
                        ConfigLocation.InFile(file, diagnostic.Span.Start.Line + 1, diagnostic.Span.Start.Column + 1),
                        null,
                        Redact(text, diagnostic.Message));
                }
            }

            return null;
        }

        var errorsBefore = problems.Count;
        var root = ConfigNode.Table(ConfigLocation.InFile(file, 1, 1));
        var reader = new Reader(file, problems);
        foreach (var keyValue in document.KeyValues)
        {
            reader.AddKeyValue(root, keyValue);
        }

        foreach (var table in document.Tables)
        {
            reader.AddTable(root, table);
        }

        return problems.Count == errorsBefore ? root : null;
    }

    /// <summary>
    /// Tomlyn's messages quote the text around an error. When the file may hold a secret, the quoted
    /// parts are hidden so a malformed <c>api_key = sk-...</c> line never reaches a log.
    /// </summary>
    private static string Redact(string text, string message)
    {
        var clean = message.Replace('\r', ' ').Replace('\n', ' ');
        return SecretWords().IsMatch(text)
            ? QuotedFragment().Replace(clean, "`…`") + " (quoted text hidden because the file may hold a secret)"
            : clean;
    }

    [GeneratedRegex("key|secret|token|password|passwd|credential", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretWords();

    [GeneratedRegex(@"`[^`]*`|\[[^\]]*\]", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedFragment();

    private sealed class Reader(string file, ProblemList problems)
    {
        public void AddTable(ConfigNode root, TableSyntaxBase table)
        {
            var location = At(table);
            var names = KeyParts(table.Name);
            if (names is null || names.Count == 0)
            {
                problems.Add(location, null, "a table header has no name");
                return;
            }

            ConfigNode? target;
            if (table is TableArraySyntax)
            {
                var parent = Navigate(root, names.Take(names.Count - 1), location);
                if (parent is null)
                {
                    return;
                }

                var last = names[^1];
                if (!parent.Children!.TryGetValue(last, out var array))
                {
                    array = ConfigNode.TableArray(location);
                    parent.Children.Add(last, array);
                }
                else if (array.Kind != ConfigNodeKind.Array || !array.IsTableArray)
                {
                    problems.Add(location, null, $"'{last}' is already defined and cannot be an array of tables");
                    return;
                }

                target = ConfigNode.Table(location);
                array.Items!.Add(target);
            }
            else
            {
                target = Navigate(root, names, location);
            }

            if (target is null)
            {
                return;
            }

            foreach (var keyValue in table.Items)
            {
                AddKeyValue(target, keyValue);
            }
        }

        public void AddKeyValue(ConfigNode table, KeyValueSyntax? keyValue)
        {
            if (keyValue?.Key is null)
            {
                return;
            }

            var location = At(keyValue.Key);
            var names = KeyParts(keyValue.Key);
            if (names is null || names.Count == 0 || keyValue.Value is null)
            {
                problems.Add(location, null, "a key or its value is missing");
                return;
            }

            var parent = Navigate(table, names.Take(names.Count - 1), location);
            if (parent is null)
            {
                return;
            }

            var last = names[^1];
            if (parent.Children!.ContainsKey(last))
            {
                problems.Add(location, null, $"the key '{last}' is defined twice");
                return;
            }

            var value = Convert(keyValue.Value, location);
            if (value is not null)
            {
                parent.Children.Add(last, value);
            }
        }

        private ConfigNode? Convert(ValueSyntax value, ConfigLocation location)
        {
            switch (value)
            {
                case StringValueSyntax s:
                    return ConfigNode.Leaf(ConfigNodeKind.String, location, s.Value ?? "");
                case IntegerValueSyntax i:
                    return ConfigNode.Leaf(ConfigNodeKind.Integer, location, i.Value);
                case FloatValueSyntax f:
                    return ConfigNode.Leaf(ConfigNodeKind.Float, location, f.Value);
                case BooleanValueSyntax b:
                    return ConfigNode.Leaf(ConfigNodeKind.Boolean, location, b.Value);
                case DateTimeValueSyntax d:
                    return ConfigNode.Leaf(ConfigNodeKind.DateTime, location, d.Value.ToString() ?? "");
                case ArraySyntax a:
                    var array = ConfigNode.Array(location);
                    foreach (var item in a.Items)
                    {
                        if (item?.Value is null)
                        {
                            continue;
                        }

                        var converted = Convert(item.Value, At(item.Value));
                        if (converted is null)
                        {
                            return null;
                        }

                        array.Items!.Add(converted);
                    }

                    return array;
                case InlineTableSyntax t:
                    var table = ConfigNode.Table(location);
                    foreach (var item in t.Items)
                    {
                        AddKeyValue(table, item?.KeyValue);
                    }

                    return table;
                default:
                    problems.Add(location, null, "a value of an unsupported kind");
                    return null;
            }
        }

        private ConfigNode? Navigate(ConfigNode table, IEnumerable<string> names, ConfigLocation location)
        {
            var current = table;
            foreach (var name in names)
            {
                if (!current.Children!.TryGetValue(name, out var next))
                {
                    next = ConfigNode.Table(location);
                    current.Children.Add(name, next);
                }
                else if (next.Kind == ConfigNodeKind.Array && next.IsTableArray && next.Items!.Count > 0)
                {
                    next = next.Items[^1];
                }
                else if (next.Kind != ConfigNodeKind.Table)
                {
                    problems.Add(location, null, $"'{name}' is already defined as {next.Describe()} and cannot be a table");
                    return null;
                }

                current = next;
            }

            return current;
        }

        private ConfigLocation At(SyntaxNode node) =>
            ConfigLocation.InFile(file, node.Span.Start.Line + 1, node.Span.Start.Column + 1);

        private static List<string>? KeyParts(KeySyntax? key)
        {
            if (key is null || Name(key.Key) is not { } first)
            {
                return null;
            }

            var parts = new List<string> { first };
            foreach (var dotted in key.DotKeys)
            {
                if (Name(dotted?.Key) is not { } part)
                {
                    return null;
                }

                parts.Add(part);
            }

            return parts;
        }

        private static string? Name(BareKeyOrStringValueSyntax? key) => key switch
        {
            BareKeySyntax bare => bare.Key?.Text,
            StringValueSyntax quoted => quoted.Value,
            _ => null,
        };
    }
}
