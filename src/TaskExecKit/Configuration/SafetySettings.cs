namespace TaskExecKit.Configuration;

/// <summary>
/// Safety controls: the kill switch, the effects granted to tasks, and approval. Read from
/// <c>safety.toml</c> (or a <c>[safety]</c> table). Immutable once loaded.
/// </summary>
public sealed class SafetySettings
{
    internal SafetySettings()
    {
    }

    /// <summary>
    /// Gets the file whose existence stops all work at once (<c>kill_switch_file</c>), as written in the
    /// configuration. Defaults to <c>runtime/state/KILL</c>.
    /// </summary>
    public string KillSwitchFile { get; internal set; } = "runtime/state/KILL";

    /// <summary>
    /// Gets a value indicating whether a person must approve a task before it runs (<c>require_approval</c>).
    /// Defaults to <see langword="false"/>.
    /// </summary>
    public bool RequireApproval { get; internal set; }

    /// <summary>
    /// Gets the effects granted to every task (the <c>[grants]</c> table). Everything not granted is
    /// denied; all lists are empty by default.
    /// </summary>
    public SafetyGrants Grants { get; } = new();
}

/// <summary>
/// The effects granted to tasks, one list per capability, in the plan's effect syntax
/// (for example <c>"git"</c> for <see cref="Process"/> or <c>"src/**"</c> for <see cref="FileSystemRead"/>).
/// Read from the <c>[grants]</c> table of <c>safety.toml</c>. Entries are kept as written here and
/// checked by the effect policy.
/// </summary>
public sealed class SafetyGrants
{
    internal SafetyGrants()
    {
    }

    /// <summary>Gets the programs tasks may start (<c>process</c>).</summary>
    public IReadOnlyList<string> Process { get; internal set; } = [];

    /// <summary>Gets the paths tasks may read (<c>fs_read</c>).</summary>
    public IReadOnlyList<string> FileSystemRead { get; internal set; } = [];

    /// <summary>Gets the paths tasks may write (<c>fs_write</c>).</summary>
    public IReadOnlyList<string> FileSystemWrite { get; internal set; } = [];

    /// <summary>Gets the hosts tasks may connect to (<c>net</c>).</summary>
    public IReadOnlyList<string> Network { get; internal set; } = [];

    /// <summary>Gets the tools tasks may call (<c>tool</c>).</summary>
    public IReadOnlyList<string> Tool { get; internal set; } = [];

    /// <summary>Gets the environment variables tasks may read (<c>env</c>).</summary>
    public IReadOnlyList<string> Environment { get; internal set; } = [];

    /// <summary>
    /// Returns every grant as a <see cref="Effects.Capability"/>, ready for an effect policy or
    /// <c>TaskExecutorBuilder.Configure</c>. Loading has already checked that each one reads.
    /// </summary>
    /// <returns>The capabilities, list by list.</returns>
    public IReadOnlyList<Effects.Capability> ToCapabilities()
    {
        var all = new List<Effects.Capability>();
        Add(Process, "process");
        Add(FileSystemRead, "fs_read");
        Add(FileSystemWrite, "fs_write");
        Add(Network, "net");
        Add(Tool, "tool");
        Add(Environment, "env");
        return all;

        void Add(IReadOnlyList<string> items, string key)
        {
            string prefix = PrefixOf(key);
            foreach (string item in items)
            {
                all.Add(Effects.Capability.Parse(AsEffect(item, prefix)));
            }
        }
    }

    /// <summary>The plan-syntax kind prefix of a <c>[grants]</c> list, e.g. <c>fs_read</c> → <c>fs.read:</c>.</summary>
    internal static string PrefixOf(string key) => key switch
    {
        "process" => "process:",
        "fs_read" => "fs.read:",
        "fs_write" => "fs.write:",
        "net" => "net:",
        "tool" => "tool:",
        _ => "env:",
    };

    /// <summary>A grant as an effect: the list's prefix is optional in the file.</summary>
    internal static string AsEffect(string item, string prefix)
        => item.StartsWith(prefix, StringComparison.Ordinal) ? item : prefix + item;
}
