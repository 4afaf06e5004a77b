namespace TaskExecKit.Effects;

/// <summary>
/// The effects an agent may perform, and nothing else (default deny). A policy is a set of
/// granted <see cref="Capability"/> values with the directory relative paths are read from;
/// it is immutable, so one policy can be shared by every task. Build one with
/// <see cref="Builder"/> or <see cref="Create"/>, and add a task's own grants with <see cref="Merge"/>.
/// </summary>
/// <remarks>
/// Paths, in grants and in requests, are resolved as the operating system would open them
/// before they are compared: made absolute, links followed at every step, <c>..</c> applied
/// after the link it follows, and compared on whole segments, so <c>/srv/data</c> never grants
/// <c>/srv/database</c>. A write grant also grants reading its subtree. Writes to a file with
/// more than one hard link are denied, because another of its names may lie outside the grant.
/// A <c>process:</c> grant of a bare name (<c>git</c>) allows the file that name finds on PATH;
/// a grant with a path allows exactly that file. See docs/security.md for what these checks
/// cannot do.
/// </remarks>
public sealed class EffectPolicy
{
    private readonly string[] _readRoots;
    private readonly string[] _writeRoots;
    private readonly Capability[] _processes;
    private readonly Capability[] _networks;
    private readonly HashSet<string> _tools;
    private readonly HashSet<string> _environment;

    internal EffectPolicy(IReadOnlyList<Capability> grants, string baseDirectory)
    {
        Grants = grants;
        BaseDirectory = baseDirectory;
        var read = new List<string>();
        var write = new List<string>();
        var processes = new List<Capability>();
        var networks = new List<Capability>();
        _tools = new HashSet<string>(StringComparer.Ordinal);
        _environment = new HashSet<string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (var grant in grants)
        {
            switch (grant.Kind)
            {
                case CapabilityKind.FileRead:
                case CapabilityKind.FileWrite:
                    // A grant whose path cannot be resolved (a link loop) grants nothing.
                    if (PathResolver.Resolve(grant.Target, baseDirectory) is { } root)
                    {
                        (grant.Kind == CapabilityKind.FileWrite ? write : read).Add(root);
                    }

                    break;
                case CapabilityKind.Process:
                    processes.Add(grant);
                    break;
                case CapabilityKind.Network:
                    networks.Add(grant);
                    break;
                case CapabilityKind.Tool:
                    _tools.Add(grant.Target);
                    break;
                default:
                    _environment.Add(grant.Target);
                    break;
            }
        }

        read.AddRange(write);
        _readRoots = [.. read];
        _writeRoots = [.. write];
        _processes = [.. processes];
        _networks = [.. networks];
    }

    /// <summary>Gets the granted capabilities, as given.</summary>
    public IReadOnlyList<Capability> Grants { get; }

    /// <summary>Gets the absolute directory relative paths are resolved from, in grants and in requests.</summary>
    public string BaseDirectory { get; }

    /// <summary>Starts a policy.</summary>
    /// <returns>A builder; call <see cref="EffectPolicyBuilder.Build"/> to get the policy.</returns>
    public static EffectPolicyBuilder Builder() => new();

    /// <summary>Creates a policy that grants exactly the given capabilities.</summary>
    /// <param name="grants">What to allow; an empty list denies everything.</param>
    /// <param name="baseDirectory">The directory relative paths are read from; the current directory when null.</param>
    /// <returns>The policy.</returns>
    public static EffectPolicy Create(IEnumerable<Capability> grants, string? baseDirectory = null)
        => Builder().Grant(grants).BaseDirectory(baseDirectory ?? Environment.CurrentDirectory).Build();

    /// <summary>Returns a policy that also grants <paramref name="grants"/>, with the same base directory.</summary>
    /// <param name="grants">What to allow as well.</param>
    /// <returns>This policy when nothing is added; otherwise a new policy.</returns>
    public EffectPolicy Merge(IEnumerable<Capability> grants)
    {
        ArgumentNullException.ThrowIfNull(grants);
        var added = grants.ToList();
        if (added.Count == 0)
        {
            return this;
        }

        foreach (var grant in added)
        {
            ArgumentNullException.ThrowIfNull(grant, nameof(grants));
        }

        return new EffectPolicy([.. Grants, .. added], BaseDirectory);
    }

    /// <summary>Tells whether the policy allows an effect.</summary>
    /// <param name="requested">The effect asked for; relative paths are read from <see cref="BaseDirectory"/>.</param>
    /// <returns>True when a grant allows it.</returns>
    public bool Check(Capability requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        return Evaluate(requested, Environment.GetEnvironmentVariable("PATH"), out _);
    }

    /// <summary>Throws when the policy does not allow an effect.</summary>
    /// <param name="requested">The effect asked for.</param>
    /// <exception cref="EffectDeniedException">No grant allows <paramref name="requested"/>.</exception>
    public void Demand(Capability requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        if (!Evaluate(requested, Environment.GetEnvironmentVariable("PATH"), out string? resolved))
        {
            throw new EffectDeniedException(requested, null, resolved);
        }
    }

    /// <summary>Evaluates a request; <paramref name="resolved"/> is the path or file the request resolved to, when it has one.</summary>
    internal bool Evaluate(Capability requested, string? pathVariable, out string? resolved)
    {
        resolved = null;
        switch (requested.Kind)
        {
            case CapabilityKind.FileRead:
                resolved = PathResolver.Resolve(requested.Target, BaseDirectory);
                return resolved is not null && IsWithinAny(resolved, _readRoots);
            case CapabilityKind.FileWrite:
                resolved = PathResolver.Resolve(requested.Target, BaseDirectory);
                return resolved is not null && IsWithinAny(resolved, _writeRoots) && !IsHardLinked(resolved);
            case CapabilityKind.Process:
                resolved = ExecutableResolver.Resolve(requested.Target, BaseDirectory, pathVariable);
                return resolved is not null && IsGrantedExecutable(resolved, pathVariable);
            case CapabilityKind.Network:
                foreach (var grant in _networks)
                {
                    if (string.Equals(grant.Target, requested.Target, StringComparison.OrdinalIgnoreCase) && (grant.Port is null || grant.Port == requested.Port))
                    {
                        return true;
                    }
                }

                return false;
            case CapabilityKind.Tool:
                return _tools.Contains(requested.Target);
            default:
                return _environment.Contains(requested.Target);
        }
    }

    /// <summary>Gets the resolved roots of the write grants.</summary>
    internal IReadOnlyList<string> WriteRoots => _writeRoots;

    /// <summary>Gets the resolved roots of the read grants (write grants do not imply reads).</summary>
    internal IReadOnlyList<string> ReadRoots => _readRoots;

    /// <summary>Gets a value indicating whether any network capability is granted.</summary>
    internal bool GrantsNetwork => _networks.Length > 0;

    /// <summary>True when the named environment variable is granted by an <c>env:</c> capability.</summary>
    internal bool GrantsEnvironmentVariable(string name) => _environment.Contains(name);

    private bool IsGrantedExecutable(string resolved, string? pathVariable)
    {
        foreach (var grant in _processes)
        {
            string? granted = ExecutableResolver.Resolve(grant.Target, BaseDirectory, pathVariable);
            if (granted is not null && string.Equals(granted, resolved, PathResolver.Comparison))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsWithinAny(string path, string[] roots)
    {
        foreach (string root in roots)
        {
            if (PathResolver.IsWithin(path, root))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsHardLinked(string path)
        => File.Exists(path) && FileLinks.LinkCount(path) is > 1;

    /// <summary>Lists the grants in plan syntax.</summary>
    /// <returns>The grants, comma separated, or "deny all".</returns>
    public override string ToString() => Grants.Count == 0 ? "deny all" : string.Join(", ", Grants);
}
