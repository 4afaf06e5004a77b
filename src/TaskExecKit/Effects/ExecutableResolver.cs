namespace TaskExecKit.Effects;

/// <summary>
/// Finds the file a command name starts, as <c>execvp</c> would: a name with a slash is a path
/// (relative to the working directory); a bare name is looked up in the absolute entries of
/// PATH, in order. Relative PATH entries (<c>.</c>, empty) are skipped on purpose: they would let
/// whatever sits in the working directory shadow a granted program.
/// </summary>
internal static class ExecutableResolver
{
    /// <summary>
    /// The executable's path with every directory on the way resolved (links followed) and the
    /// file name kept as written, or null when there is no such executable file.
    /// </summary>
    internal static string? Resolve(string command, string workingDirectory, string? pathVariable)
    {
        if (string.IsNullOrEmpty(command) || command.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        if (command.Contains('/', StringComparison.Ordinal) || (OperatingSystem.IsWindows() && command.Contains('\\', StringComparison.Ordinal)))
        {
            return Canonical(Path.GetFullPath(command, workingDirectory), workingDirectory);
        }

        foreach (string directory in (pathVariable ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Path.IsPathFullyQualified(directory))
            {
                continue;
            }

            string? found = Canonical(Path.Join(directory, command), workingDirectory);
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    private static string? Canonical(string path, string workingDirectory)
    {
        string? directory = Path.GetDirectoryName(path);
        string name = Path.GetFileName(path);
        if (directory is null || name.Length == 0 || name is "." or "..")
        {
            return null;
        }

        string? resolvedDirectory = PathResolver.Resolve(directory, workingDirectory);
        if (resolvedDirectory is null)
        {
            return null;
        }

        string candidate = Path.Join(resolvedDirectory, name);
        return IsExecutableFile(candidate) ? candidate : null;
    }

    private static bool IsExecutableFile(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            if (OperatingSystem.IsWindows())
            {
                return true;
            }

            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return (File.GetUnixFileMode(path) & anyExecute) != 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
