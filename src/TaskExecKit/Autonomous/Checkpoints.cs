using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TaskExecKit.Effects;
using TaskExecKit.Planning;

namespace TaskExecKit.Autonomous;

/// <summary>What a checkpoint holds: engine state, the configuration files, and the files a run may touch.</summary>
internal sealed class CheckpointManifest
{
    public required string Id { get; init; }

    public int Iteration { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public string EngineState { get; init; } = string.Empty;

    /// <summary>Full path → whether it existed (and so was copied) when the checkpoint was taken.</summary>
    public Dictionary<string, bool> Paths { get; init; } = [];

    /// <summary>Full path of a configuration file → stored copy name.</summary>
    public Dictionary<string, string> ConfigFiles { get; init; } = [];

    public bool Partial { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(CheckpointManifest))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext
{
}

/// <summary>
/// Checkpoints under <c>runtime/state/checkpoints/&lt;id&gt;/</c>: taken before RUN, restored on a failed gate
/// or a score regression, or by <c>autonomous rollback --to &lt;id&gt;</c>. Files are limited to the plan's
/// <c>fs.write</c> effects that the grants allow (never the runtime directory), and to <see cref="MaxBytes"/>.
/// </summary>
internal sealed class CheckpointStore(AutonomousStateFiles files)
{
    internal const long MaxBytes = 64L * 1024 * 1024;

    internal IReadOnlyList<CheckpointManifest> List()
    {
        if (!Directory.Exists(files.Checkpoints))
        {
            return [];
        }

        var all = new List<CheckpointManifest>();
        foreach (string dir in Directory.EnumerateDirectories(files.Checkpoints))
        {
            if (Read(Path.GetFileName(dir)) is { } manifest)
            {
                all.Add(manifest);
            }
        }

        all.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        return all;
    }

    internal CheckpointManifest? Read(string id)
    {
        string path = Path.Combine(files.Checkpoints, AutonomousStateFiles.CheckId(id), "manifest.json");
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), CheckpointJsonContext.Default.CheckpointManifest);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    internal CheckpointManifest Create(int iteration, DateTimeOffset now, string engineState, IEnumerable<string> configFiles, Plan? plan, Envelope envelope, string workingDirectory)
    {
        string id = string.Create(CultureInfo.InvariantCulture, $"iter-{iteration:D4}-{now:yyyyMMddHHmmssfff}");
        string dir = Path.Combine(files.Checkpoints, id);
        Directory.CreateDirectory(Path.Combine(dir, "files"));
        Directory.CreateDirectory(Path.Combine(dir, "config"));

        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        int n = 0;
        foreach (string file in configFiles.Where(File.Exists))
        {
            string name = string.Create(CultureInfo.InvariantCulture, $"{n++}-{Path.GetFileName(file)}");
            File.Copy(file, Path.Combine(dir, "config", name));
            configs[Path.GetFullPath(file)] = name;
        }

        var paths = new Dictionary<string, bool>(StringComparer.Ordinal);
        long bytes = 0;
        bool partial = false;
        foreach (string target in WriteTargets(plan, envelope, workingDirectory))
        {
            bool exists = File.Exists(target) || Directory.Exists(target);
            if (exists && !CopyTree(target, Path.Combine(dir, "files", Key(target)), ref bytes))
            {
                partial = true;
                continue;
            }

            paths[target] = exists;
        }

        var manifest = new CheckpointManifest { Id = id, Iteration = iteration, CreatedAt = now, EngineState = engineState, Paths = paths, ConfigFiles = configs, Partial = partial };
        AutonomousStateFiles.WriteAtomic(Path.Combine(dir, "manifest.json"), JsonSerializer.SerializeToUtf8Bytes(manifest, CheckpointJsonContext.Default.CheckpointManifest));
        return manifest;
    }

    /// <summary>Puts every checkpointed path and configuration file back as it was.</summary>
    internal CheckpointManifest Restore(string id)
    {
        var manifest = Read(id) ?? throw new AutonomousException($"No checkpoint '{id}' in {files.Checkpoints}; `autonomous status --detailed` lists them.");
        string dir = Path.Combine(files.Checkpoints, manifest.Id);
        foreach (var (target, existed) in manifest.Paths)
        {
            Delete(target);
            if (existed)
            {
                long ignored = long.MinValue;
                CopyTree(Path.Combine(dir, "files", Key(target)), target, ref ignored);
            }
        }

        foreach (var (target, name) in manifest.ConfigFiles)
        {
            File.Copy(Path.Combine(dir, "config", name), target, overwrite: true);
        }

        return manifest;
    }

    private IEnumerable<string> WriteTargets(Plan? plan, Envelope envelope, string workingDirectory)
    {
        if (plan is null)
        {
            yield break;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var effect in plan.Tasks.SelectMany(t => t.Effects).Where(e => e.Kind == CapabilityKind.FileWrite))
        {
            string full = Path.GetFullPath(effect.Target, workingDirectory);
            if (!envelope.Policy.Check(effect) || IsInside(full, files.Root) || IsInside(files.Root, full) || !seen.Add(full))
            {
                continue; // Outside the grants (the gates refuse it anyway), or the runtime directory itself.
            }

            yield return full;
        }
    }

    private static bool IsInside(string path, string root)
        => path.Equals(root, StringComparison.Ordinal) || path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string Key(string fullPath) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(fullPath)))[..16];

    private static void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Copies a file or a tree (no links followed); false when the byte budget would pass <see cref="MaxBytes"/>.</summary>
    private static bool CopyTree(string source, string destination, ref long bytes)
    {
        if (File.Exists(source))
        {
            long size = new FileInfo(source).Length;
            if (bytes != long.MinValue && bytes + size > MaxBytes)
            {
                return false;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination, overwrite: true);
            bytes = bytes == long.MinValue ? bytes : bytes + size;
            return true;
        }

        Directory.CreateDirectory(destination);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null)
            {
                continue;
            }

            if (!CopyTree(entry.FullName, Path.Combine(destination, entry.Name), ref bytes))
            {
                return false;
            }
        }

        return true;
    }
}
