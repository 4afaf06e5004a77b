namespace TaskExecKit.Effects;

/// <summary>
/// Turns a path into the one the operating system would open: absolute, with <c>.</c> and
/// <c>..</c> applied after every symbolic link on the way is followed (as the kernel does), so
/// <c>granted/link/../x</c> lands where the kernel would land, not where the text suggests.
/// </summary>
internal static class PathResolver
{
    // Linux gives up after 40 links (ELOOP); so do we.
    private const int MaxLinkHops = 40;

    /// <summary>Gets how paths are compared: ordinal on Linux, ignoring case where file systems usually do.</summary>
    internal static StringComparison Comparison { get; } = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    /// <summary>Resolves a path; null when it cannot be resolved (a link loop, a malformed path).</summary>
    internal static string? Resolve(string path, string baseDirectory)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return OperatingSystem.IsWindows() ? ResolveWindows(path, baseDirectory) : ResolveUnix(path, baseDirectory);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or lies below it, on a segment boundary.</summary>
    internal static bool IsWithin(string path, string root)
    {
        if (root.Length == 1 && root[0] == '/')
        {
            return path.StartsWith('/');
        }

        if (!path.StartsWith(root, Comparison))
        {
            return false;
        }

        return path.Length == root.Length || path[root.Length] == Path.DirectorySeparatorChar || root[^1] == Path.DirectorySeparatorChar;
    }

    private static string? ResolveUnix(string path, string baseDirectory)
    {
        string full = path[0] == '/' ? path : baseDirectory.TrimEnd('/') + "/" + path;
        if (full[0] != '/')
        {
            return null;
        }

        var pending = new Stack<string>();
        PushSegments(pending, full);
        var resolved = new List<string>();
        int hops = 0;
        while (pending.TryPop(out string? segment))
        {
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            resolved.Add(segment);
            string candidate = "/" + string.Join('/', resolved);
            string? target = LinkTarget(candidate);
            if (target is null)
            {
                continue;
            }

            if (++hops > MaxLinkHops || target.Length == 0)
            {
                return null;
            }

            // The link is replaced by its target, read relative to the link's directory.
            resolved.RemoveAt(resolved.Count - 1);
            if (target[0] == '/')
            {
                resolved.Clear();
            }

            PushSegments(pending, target);
        }

        return "/" + string.Join('/', resolved);
    }

    private static void PushSegments(Stack<string> pending, string path)
    {
        string[] segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = segments.Length - 1; i >= 0; i--)
        {
            pending.Push(segments[i]);
        }
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ResolveWindows(string path, string baseDirectory)
    {
        string full = Path.GetFullPath(path, baseDirectory);
        string? root = Path.GetPathRoot(full);
        if (string.IsNullOrEmpty(root))
        {
            return null;
        }

        string current = root;
        foreach (string segment in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Join(current, segment);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } final)
            {
                current = Path.GetFullPath(final.FullName);
            }
        }

        return current;
    }
}
