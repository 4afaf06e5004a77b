using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TaskExecKit.Autonomous;

/// <summary>
/// The files under <c>runtime/state/</c> through which an engine and its controls talk: <c>KILL</c>,
/// <c>STOP</c>, <c>status.json</c>, <c>engine.lock</c> and <c>approvals/</c>. Every write is atomic
/// (a temporary file renamed over the target), so a reader sees the old or the new content, never half.
/// </summary>
internal sealed class AutonomousStateFiles
{
    internal AutonomousStateFiles(string runtimeDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeDirectory);
        Root = Path.GetFullPath(runtimeDirectory);
        State = Path.Combine(Root, "state");
    }

    internal string Root { get; }

    internal string State { get; }

    internal string KillFile => Path.Combine(State, "KILL");

    internal string StopFile => Path.Combine(State, "STOP");

    internal string StatusFile => Path.Combine(State, "status.json");

    internal string LockFile => Path.Combine(State, "engine.lock");

    internal string Approvals => Path.Combine(State, "approvals");

    internal string Checkpoints => Path.Combine(State, "checkpoints");

    internal string ApprovalFile(string id) => Path.Combine(Approvals, CheckId(id) + ".json");

    internal string DecisionFile(string id) => Path.Combine(Approvals, CheckId(id) + ".decision.json");

    internal static string CheckId(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        foreach (char c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new AutonomousException($"'{id}' is not an approval id: ids have only letters, digits, '-' and '_'.");
            }
        }

        return id;
    }

    /// <summary>Writes a file atomically. With <paramref name="overwrite"/> false, returns false when it exists.</summary>
    internal static bool WriteAtomic(string path, ReadOnlySpan<byte> content, bool overwrite = true)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        try
        {
            File.Move(temp, path, overwrite);
            return true;
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            File.Delete(temp);
            return false;
        }
    }

    internal static bool WriteJsonAtomic<T>(string path, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, bool overwrite = true)
        => WriteAtomic(path, JsonSerializer.SerializeToUtf8Bytes(value, type), overwrite);

    /// <summary>Reads a JSON file; null when it does not exist.</summary>
    internal static async Task<T?> ReadJsonAsync<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, type);
        }
        catch (JsonException ex)
        {
            throw new AutonomousException($"{path}: not a valid state file ({ex.Message}).", ex);
        }
    }

    /// <summary>Reads the kill file's reason: its first non-empty line, or a default when it is empty.</summary>
    internal static string? ReadKillReason(string path)
    {
        try
        {
            string text = File.ReadAllText(path);
            string? first = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
            return first ?? "kill switch file present";
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            return "kill switch file present";
        }
    }

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}

/// <summary>A human's answer to a <see cref="PendingApproval"/>.</summary>
internal sealed class ApprovalDecision
{
    public bool Approved { get; init; }

    public required string DecidedBy { get; init; }

    public DateTimeOffset DecidedAt { get; init; }

    public string? Reason { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AutonomousStatus))]
[JsonSerializable(typeof(PendingApproval))]
[JsonSerializable(typeof(ApprovalDecision))]
internal sealed partial class AutonomousJsonContext : JsonSerializerContext
{
}
