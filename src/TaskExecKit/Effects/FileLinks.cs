using System.Runtime.InteropServices;

namespace TaskExecKit.Effects;

/// <summary>Reads a file's hard-link count where the operating system tells it (Linux, through statx).</summary>
internal static partial class FileLinks
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxNlink = 0x4;
    private const int StatxSize = 256;
    private const int NlinkOffset = 16;

    /// <summary>The number of names the file has, or null when it does not exist or the count is unknown.</summary>
    internal static unsafe uint? LinkCount(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        byte* buffer = stackalloc byte[StatxSize];
        try
        {
            return Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxNlink, buffer) == 0 ? *(uint*)(buffer + NlinkOffset) : null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
