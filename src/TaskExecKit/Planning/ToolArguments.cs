using System.Buffers;
using System.Text.Json;

namespace TaskExecKit.Planning;

/// <summary>
/// Reads a task's <c>args:</c>: a JSON object (<c>{"path": "src", "depth": 2}</c>) or comma-separated
/// <c>key=value</c> pairs (<c>path=src, depth=2</c>). In pairs, a value is JSON when it is a JSON string,
/// array or object, a number, <c>true</c>, <c>false</c> or <c>null</c>, and otherwise the text itself
/// (trimmed) as a string: quote it (<c>version="2"</c>) to pass a string that looks like a number.
/// </summary>
internal static class ToolArguments
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>The form, for messages.</summary>
    internal const string Expected = "a JSON object ({\"path\": \"src\"}) or comma-separated key=value pairs (path=src, depth=2)";

    internal static bool TryParse(ReadOnlySpan<char> text, out JsonElement arguments, out string error)
    {
        arguments = default;
        ReadOnlySpan<char> t = text.Trim();
        if (t.IsEmpty)
        {
            error = "are empty";
            return false;
        }

        if (t[0] == '{')
        {
            if (!TryParseJson(t, out var element, out string jsonError))
            {
                error = "are not valid JSON: " + jsonError;
                return false;
            }

            if (element.ValueKind != JsonValueKind.Object)
            {
                error = "are not a JSON object";
                return false;
            }

            if (FirstDuplicate(element) is { } duplicate)
            {
                error = $"give '{duplicate}' more than once";
                return false;
            }

            arguments = element;
            error = string.Empty;
            return true;
        }

        return TryParsePairs(t, out arguments, out error);
    }

    /// <summary>Writes the arguments as key=value pairs that <see cref="TryParse"/> reads back to the same JSON (values as compact JSON).</summary>
    internal static string FormatPairs(JsonElement arguments)
        => string.Join(", ", arguments.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetRawText()));

    /// <summary>Tells whether a key can be written as key=value: what a sot.md attribute key may be.</summary>
    internal static bool IsKey(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty || !(char.IsAsciiLetter(key[0]) || key[0] == '_'))
        {
            return false;
        }

        foreach (char c in key[1..])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParsePairs(ReadOnlySpan<char> text, out JsonElement arguments, out string error)
    {
        arguments = default;
        var buffer = new ArrayBufferWriter<byte>(text.Length * 2 + 16);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            int i = 0;
            while (true)
            {
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                int keyStart = i;
                while (i < text.Length && text[i] is not ('=' or ','))
                {
                    i++;
                }

                ReadOnlySpan<char> key = text[keyStart..i].TrimEnd();
                if (i == text.Length || text[i] != '=')
                {
                    error = key.IsEmpty ? "have an empty item" : $"have '{Shorten(key)}' without '=' (write key=value)";
                    return false;
                }

                if (!IsKey(key))
                {
                    error = $"have the key '{Shorten(key)}', which is not a name (letters, digits, '_', '.', '-', starting with a letter or '_')";
                    return false;
                }

                string name = key.ToString();
                if (!seen.Add(name))
                {
                    error = $"give '{name}' more than once";
                    return false;
                }

                i++;
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }

                if (i == text.Length || text[i] == ',')
                {
                    error = $"give '{name}' no value";
                    return false;
                }

                writer.WritePropertyName(name);
                if (text[i] is '"' or '[' or '{')
                {
                    int end = EndOfJson(text, i);
                    if (end < 0)
                    {
                        error = $"have a value for '{name}' that is not valid JSON: it is not closed";
                        return false;
                    }

                    if (!TryParseJson(text[i..end], out var value, out string jsonError))
                    {
                        error = $"have a value for '{name}' that is not valid JSON: {jsonError}";
                        return false;
                    }

                    value.WriteTo(writer);
                    i = end;
                    while (i < text.Length && char.IsWhiteSpace(text[i]))
                    {
                        i++;
                    }

                    if (i < text.Length && text[i] != ',')
                    {
                        error = $"have text after the value of '{name}'; separate pairs with commas";
                        return false;
                    }
                }
                else
                {
                    int start = i;
                    while (i < text.Length && text[i] != ',')
                    {
                        i++;
                    }

                    ReadOnlySpan<char> bare = text[start..i].Trim();
                    if (IsJsonLiteral(bare, out var literal))
                    {
                        literal.WriteTo(writer);
                    }
                    else
                    {
                        writer.WriteStringValue(bare);
                    }
                }

                if (i == text.Length)
                {
                    break;
                }

                i++; // the comma
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory, DocumentOptions);
        arguments = document.RootElement.Clone();
        error = string.Empty;
        return true;
    }

    /// <summary>The index just after the JSON string, array or object starting at <paramref name="start"/>, or -1 when it does not close.</summary>
    private static int EndOfJson(ReadOnlySpan<char> text, int start)
    {
        int depth = 0;
        bool inString = false;
        for (int i = start; i < text.Length; i++)
        {
            char c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                    if (depth == 0)
                    {
                        return i + 1;
                    }
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '[' or '{':
                    depth++;
                    break;
                case ']' or '}':
                    if (--depth == 0)
                    {
                        return i + 1;
                    }

                    break;
            }
        }

        return -1;
    }

    private static bool IsJsonLiteral(ReadOnlySpan<char> text, out JsonElement value)
    {
        value = default;
        if (text.IsEmpty || !(char.IsAsciiDigit(text[0]) || text[0] is '-' or 't' or 'f' or 'n'))
        {
            return false;
        }

        return TryParseJson(text, out value, out _) && value.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null;
    }

    private static bool TryParseJson(ReadOnlySpan<char> text, out JsonElement value, out string error)
    {
        try
        {
            using var document = JsonDocument.Parse(text.ToString(), DocumentOptions);
            value = document.RootElement.Clone();
            error = string.Empty;
            return true;
        }
        catch (JsonException ex)
        {
            value = default;
            int cut = ex.Message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            error = (cut > 0 ? ex.Message[..cut] : ex.Message).TrimEnd('.', ' ');
            return false;
        }
    }

    private static string? FirstDuplicate(JsonElement obj)
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

    private static string Shorten(ReadOnlySpan<char> text) => text.Length > 40 ? text[..40].ToString() + "…" : text.ToString();
}
