namespace TaskExecKit.Tests;

/// <summary>A fresh folder under the system temp directory, deleted when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tek-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string CreateDirectory(params string[] parts) => Directory.CreateDirectory(Combine(parts)).FullName;

    /// <summary>Returns the full path of a file in the folder, writing it when contents are given.</summary>
    public string File(string relative, string? contents = null)
    {
        string full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        if (contents is not null)
        {
            System.IO.File.WriteAllText(full, contents);
        }

        return full;
    }

    public string WriteFile(string relative, string content = "x") => File(relative, content);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a test that left a file open must not fail the next one.
        }
        catch (UnauthorizedAccessException)
        {
            // Same: a test that removed its own permissions leaves the folder behind.
        }
    }
}
