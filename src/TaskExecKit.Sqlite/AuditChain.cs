using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Sqlite;

/// <summary>
/// The audit hash chain: each row's hash is SHA-256 over a canonical encoding of all its columns
/// and the previous row's hash; the head (last sequence and hash) is also kept in a file outside
/// the database directory.
/// </summary>
internal sealed class AuditChain
{
    internal const int HashLength = 32;
    private const string HeadMagic = "taskexeckit-audit-head v1";
    private static readonly byte[] Domain = "TaskExecKit.audit.v1"u8.ToArray();

    private readonly ArrayBufferWriter<byte> _buffer = new(512);

    internal static byte[] Genesis { get; } = new byte[HashLength];

    internal byte[] Hash(long seq, in TelemetryEvent e, ReadOnlySpan<byte> previousHash) =>
        Hash(seq, e.Timestamp.UtcTicks, (int)e.Kind, e.AgentId, e.TaskId, e.Name, e.Reason, e.Detail, e.Value, e.Count, (int)e.Outcome, previousHash);

    internal byte[] Hash(long seq, long ts, int kind, string? agent, string? task, string? name, string? reason, string? detail,
        double value, long count, int outcome, ReadOnlySpan<byte> previousHash)
    {
        _buffer.ResetWrittenCount();
        _buffer.Write(Domain);
        WriteInt64(seq);
        WriteInt64(ts);
        WriteInt64(kind);
        WriteText(agent);
        WriteText(task);
        WriteText(name);
        WriteText(reason);
        WriteText(detail);
        WriteInt64(BitConverter.DoubleToInt64Bits(value));
        WriteInt64(count);
        WriteInt64(outcome);
        _buffer.Write(previousHash);
        return SHA256.HashData(_buffer.WrittenSpan);
    }

    internal static (long Sequence, byte[] Hash)? ReadHead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        string[] lines = File.ReadAllLines(path);
        string[] parts = lines.Length == 2 && lines[0] == HeadMagic ? lines[1].Split(' ') : [];
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long seq) || parts[1].Length != HashLength * 2)
        {
            throw new TelemetryStoreException($"The audit chain head {path} is not in the expected format; it was left untouched. Restore it from a backup or move it away after checking the trail with 'task-exec-kit monitor audit --verify'.");
        }

        try
        {
            return (seq, Convert.FromHexString(parts[1]));
        }
        catch (FormatException ex)
        {
            throw new TelemetryStoreException($"The audit chain head {path} has a malformed hash; it was left untouched.", innerException: ex);
        }
    }

    internal static void WriteHead(string path, long sequence, ReadOnlySpan<byte> hash)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture, $"{HeadMagic}\n{sequence} {Convert.ToHexStringLower(hash)}\n"));
        File.Move(temp, path, overwrite: true);
    }

    private void WriteInt64(long v)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), v);
        _buffer.Advance(8);
    }

    private void WriteText(string? text)
    {
        if (text is null)
        {
            WriteInt64(-1);
            return;
        }

        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> span = _buffer.GetSpan(max + 8);
        int n = Encoding.UTF8.GetBytes(text, span[8..]);
        BinaryPrimitives.WriteInt64LittleEndian(span, n);
        _buffer.Advance(n + 8);
    }
}
