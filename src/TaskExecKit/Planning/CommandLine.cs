using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace TaskExecKit.Planning;

/// <summary>
/// Reads a task's <c>run</c> value into an argument vector: a JSON array of strings, or a plain
/// command line split on whitespace with double quotes grouping (<c>\"</c> and <c>\\</c> escape
/// inside quotes). Nothing is ever given to a shell.
/// </summary>
internal static class CommandLine
{
    internal static bool TryParse(string text, out IReadOnlyList<string> argv, out string error)
    {
        text = text.Trim();
        return text.StartsWith('[') ? TryParseJson(text, out argv, out error) : TrySplit(text, out argv, out error);
    }

    private static bool TryParseJson(string text, out IReadOnlyList<string> argv, out string error)
    {
        if (TryReadJsonStrings(text) is { } strings)
        {
            return Check(strings, out argv, out error);
        }

        argv = [];
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                error = "run must be a JSON array of strings";
                return false;
            }

            var list = new List<string>();
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    error = $"run must be a JSON array of strings, but item {list.Count + 1} is a {item.ValueKind.ToString().ToLowerInvariant()}";
                    return false;
                }

                list.Add(item.GetString()!);
            }

            return Check(list, out argv, out error);
        }
        catch (JsonException ex)
        {
            error = $"run looks like a JSON array but is not valid JSON ({FirstSentence(ex.Message)})";
            return false;
        }
        catch (ArgumentException)
        {
            // JsonDocument.Parse(string) throws this for text with an unpaired surrogate.
            error = "run looks like a JSON array but contains an unpaired surrogate character";
            return false;
        }
    }

    /// <summary>
    /// The common case read with a <see cref="Utf8JsonReader"/> over the text's UTF-8, without a
    /// <see cref="JsonDocument"/>: a valid JSON array of strings and nothing after it. Anything else
    /// (null) goes to the document path, which words the problem.
    /// </summary>
    private static List<string>? TryReadJsonStrings(string text)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            // An unpaired surrogate is not transcoded (the document path reports it).
            if (Utf8.FromUtf16(text, rented, out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
            {
                return null;
            }

            var reader = new Utf8JsonReader(rented.AsSpan(0, written));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return null;
            }

            var list = new List<string>();
            while (reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                list.Add(reader.GetString()!);
            }

            // The array must have ended, with nothing but whitespace after it (Read throws otherwise).
            return reader.TokenType == JsonTokenType.EndArray && !reader.Read() ? list : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    internal static bool TrySplit(string text, out IReadOnlyList<string> argv, out string error)
    {
        argv = [];
        var list = new List<string>();
        var current = new StringBuilder();
        bool inQuotes = false, hasToken = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (inQuotes)
            {
                if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\')
                {
                    current.Append(text[++i]);
                }
                else if (c == '"')
                {
                    inQuotes = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                inQuotes = true;
                hasToken = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (hasToken)
                {
                    list.Add(current.ToString());
                    current.Clear();
                    hasToken = false;
                }
            }
            else
            {
                current.Append(c);
                hasToken = true;
            }
        }

        if (inQuotes)
        {
            error = "run has an unclosed double quote";
            return false;
        }

        if (hasToken)
        {
            list.Add(current.ToString());
        }

        return Check(list, out argv, out error);
    }

    private static bool Check(List<string> list, out IReadOnlyList<string> argv, out string error)
    {
        argv = list;
        if (list.Count == 0)
        {
            error = "run names no command";
            return false;
        }

        if (list[0].Length == 0 || list.Exists(a => a.Contains('\0', StringComparison.Ordinal)))
        {
            error = list[0].Length == 0 ? "run's command (its first item) is empty" : "run contains a NUL character";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>Quotes an argument vector back into a command line that <see cref="TrySplit"/> reads back.</summary>
    internal static string Format(IReadOnlyList<string> argv)
        => string.Join(' ', argv.Select(a => a.Length > 0 && !a.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\')
            ? a
            : "\"" + a.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message.TrimEnd('.');
    }
}
