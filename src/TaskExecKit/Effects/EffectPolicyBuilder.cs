namespace TaskExecKit.Effects;

/// <summary>Collects grants for an <see cref="EffectPolicy"/>; nothing is allowed that is not granted here.</summary>
public sealed class EffectPolicyBuilder
{
    private readonly List<Capability> _grants = [];
    private string? _baseDirectory;

    internal EffectPolicyBuilder()
    {
    }

    /// <summary>Grants one capability.</summary>
    /// <param name="capability">What to allow, e.g. <c>Capability.Process("git")</c>.</param>
    /// <returns>This builder.</returns>
    public EffectPolicyBuilder Grant(Capability capability)
    {
        ArgumentNullException.ThrowIfNull(capability);
        _grants.Add(capability);
        return this;
    }

    /// <summary>Grants several capabilities.</summary>
    /// <param name="capabilities">What to allow.</param>
    /// <returns>This builder.</returns>
    public EffectPolicyBuilder Grant(IEnumerable<Capability> capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        foreach (var capability in capabilities)
        {
            Grant(capability);
        }

        return this;
    }

    /// <summary>Sets the directory relative paths are read from (in grants and in requests); the current directory by default.</summary>
    /// <param name="path">The directory.</param>
    /// <returns>This builder.</returns>
    public EffectPolicyBuilder BaseDirectory(string path)
    {
        _baseDirectory = path;
        return this;
    }

    /// <summary>Creates the policy.</summary>
    /// <returns>The immutable policy.</returns>
    /// <exception cref="ArgumentException">The base directory is empty or not a valid path.</exception>
    public EffectPolicy Build()
    {
        string baseDirectory = _baseDirectory ?? Environment.CurrentDirectory;
        if (string.IsNullOrWhiteSpace(baseDirectory) || baseDirectory.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("BaseDirectory must be a directory path; it is empty or holds a NUL character.", nameof(BaseDirectory));
        }

        string resolved = PathResolver.Resolve(Path.GetFullPath(baseDirectory), Environment.CurrentDirectory)
            ?? throw new ArgumentException($"BaseDirectory '{baseDirectory}' cannot be resolved (it loops through symbolic links).", nameof(BaseDirectory));
        return new EffectPolicy([.. _grants], resolved);
    }
}
