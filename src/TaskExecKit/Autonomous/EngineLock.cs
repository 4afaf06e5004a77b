using System.Globalization;

namespace TaskExecKit.Autonomous;

/// <summary>Only one engine per runtime directory: an exclusive lock on <c>runtime/state/engine.lock</c>, held while the engine runs.</summary>
internal sealed class EngineLock : IDisposable
{
    private readonly FileStream _stream;

    private EngineLock(FileStream stream) => _stream = stream;

    internal static EngineLock Acquire(AutonomousStateFiles files, DateTimeOffset now)
    {
        Directory.CreateDirectory(files.State);
        FileStream stream;
        try
        {
            stream = new FileStream(files.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new AutonomousException(
                $"Another autonomous engine is already running in {files.Root} (it holds {files.LockFile}). " +
                "Only one engine may run per runtime directory (and a rollback waits for it to stop): stop it with `autonomous stop` (or `autonomous kill`), or use another --runtime.", ex);
        }

        stream.SetLength(0);
        byte[] text = AutonomousStateFiles.Utf8(string.Create(CultureInfo.InvariantCulture, $"pid {Environment.ProcessId}\nsince {now:O}\n"));
        stream.Write(text);
        stream.Flush();
        return new EngineLock(stream);
    }

    /// <summary>True when an engine holds the lock right now.</summary>
    internal static bool IsHeld(AutonomousStateFiles files)
    {
        if (!File.Exists(files.LockFile))
        {
            return false;
        }

        try
        {
            using var probe = new FileStream(files.LockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => _stream.Dispose();
}
