using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using TaskExecKit.Effects;

namespace TaskExecKit.AI;

/// <summary>
/// Lets the model read, write and list files: functions <c>file_read</c> (needs <c>fs.read</c> of the
/// path), <c>file_write</c> (needs <c>fs.write</c>) and <c>file_list</c> (needs <c>fs.read</c> of the
/// directory). Relative paths are read from the policy's base directory; a leading <c>~</c> is the
/// user's home. Reads and listings are capped; writes larger than 1 MiB are refused.
/// </summary>
public sealed class FileTool : AgentTool
{
    private const int MaxWriteChars = 1024 * 1024;
    private const int MaxListEntries = 500;

    private static readonly JsonElement PathSchema = JsonDocument.Parse("""
        {"type":"object","properties":{"path":{"type":"string","description":"File or directory path, relative to the working directory."}},"required":["path"]}
        """).RootElement.Clone();

    private static readonly JsonElement WriteSchema = JsonDocument.Parse("""
        {"type":"object","properties":{"path":{"type":"string","description":"File path, relative to the working directory."},"content":{"type":"string","description":"The whole new content of the file."}},"required":["path","content"]}
        """).RootElement.Clone();

    /// <inheritdoc />
    public override IReadOnlyList<string> FunctionNames { get; } = ["file_read", "file_write", "file_list"];

    internal override IEnumerable<AIFunction> CreateFunctions(AgentRun run)
    {
        yield return new GatedFunction("file_read", "Reads a text file and returns its content (long files are cut).", PathSchema,
            args => Capability.FileRead(Target(args)), ReadAsync, run);
        yield return new GatedFunction("file_write", "Writes text to a file, replacing its content.", WriteSchema,
            args => Capability.FileWrite(Target(args)), WriteAsync, run);
        yield return new GatedFunction("file_list", "Lists the entries of a directory; directories end with '/'.", PathSchema,
            args => Capability.FileRead(Target(args)), ListAsync, run);
    }

    private static string Target(AIFunctionArguments arguments) => ToolArguments.ExpandHome(ToolArguments.RequireString(arguments, "path"));

    private static async ValueTask<string> ReadAsync(AIFunctionArguments arguments, string? resolved, CancellationToken cancellationToken)
    {
        string path = resolved ?? Target(arguments);
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        // Leave room for the truncation note, so the result cap never cuts it off.
        const int Keep = GatedFunction.MaxResultChars - 64;
        char[] buffer = new char[Keep + 1];
        int read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return read > Keep
            ? string.Concat(buffer.AsSpan(0, Keep), "\n[truncated: the file is longer]")
            : new string(buffer, 0, read);
    }

    private static async ValueTask<string> WriteAsync(AIFunctionArguments arguments, string? resolved, CancellationToken cancellationToken)
    {
        string path = resolved ?? Target(arguments);
        string content = ToolArguments.OptionalString(arguments, "content") ?? string.Empty;
        if (content.Length > MaxWriteChars)
        {
            throw new ArgumentException($"the content has {content.Length} characters; at most {MaxWriteChars} may be written at once");
        }

        if (Path.GetDirectoryName(path) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await File.WriteAllTextAsync(path, content, cancellationToken).ConfigureAwait(false);
        return $"Wrote {content.Length} characters to {path}.";
    }

    private static ValueTask<string> ListAsync(AIFunctionArguments arguments, string? resolved, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string path = resolved ?? Target(arguments);
        var entries = new DirectoryInfo(path).EnumerateFileSystemInfos()
            .Select(e => e is DirectoryInfo ? e.Name + "/" : e.Name)
            .Order(StringComparer.Ordinal)
            .Take(MaxListEntries + 1)
            .ToList();
        string listing = string.Join('\n', entries.Take(MaxListEntries));
        return ValueTask.FromResult(entries.Count > MaxListEntries ? listing + "\n[truncated: more entries]" : listing);
    }
}
