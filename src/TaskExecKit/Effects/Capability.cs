using System.Globalization;

namespace TaskExecKit.Effects;

/// <summary>The kind of effect a <see cref="Capability"/> grants.</summary>
public enum CapabilityKind
{
    /// <summary>Start a process from a named executable.</summary>
    Process,

    /// <summary>Read files under a path subtree.</summary>
    FileRead,

    /// <summary>Create, change or delete files under a path subtree.</summary>
    FileWrite,

    /// <summary>Open network connections to a host, optionally on one port.</summary>
    Network,

    /// <summary>Call a named tool.</summary>
    Tool,

    /// <summary>Read an environment variable by name.</summary>
    Env,
}

/// <summary>
/// One permission to perform an effect: run a process, read or write files under a path,
/// reach a host, call a tool or read an environment variable. Nothing is allowed unless a
/// capability grants it. In plans a capability is written as <c>process:git</c>,
/// <c>fs.read:./src</c>, <c>fs.write:./artifacts</c>, <c>net:example.org:443</c>,
/// <c>tool:search</c> or <c>env:HOME</c>.
/// </summary>
public sealed record Capability
{
    private Capability(CapabilityKind kind, string target, int? port)
    {
        Kind = kind;
        Target = target;
        Port = port;
    }

    /// <summary>Gets what kind of effect this capability grants.</summary>
    public CapabilityKind Kind { get; }

    /// <summary>
    /// Gets what the capability applies to: an executable, a path, a host, a tool name or an
    /// environment variable name, as written.
    /// </summary>
    public string Target { get; }

    /// <summary>Gets the port of a <see cref="CapabilityKind.Network"/> capability, or null for any port.</summary>
    public int? Port { get; }

    /// <summary>Grants starting processes of the named executable (a name such as <c>git</c> or a path).</summary>
    /// <param name="executable">The executable's name or path.</param>
    /// <returns>The capability.</returns>
    public static Capability Process(string executable) => new(CapabilityKind.Process, RequireTarget(executable, nameof(executable)), null);

    /// <summary>Grants reading files under a path subtree.</summary>
    /// <param name="path">The root of the subtree.</param>
    /// <returns>The capability.</returns>
    public static Capability FileRead(string path) => new(CapabilityKind.FileRead, RequireTarget(path, nameof(path)), null);

    /// <summary>Grants writing files under a path subtree.</summary>
    /// <param name="path">The root of the subtree.</param>
    /// <returns>The capability.</returns>
    public static Capability FileWrite(string path) => new(CapabilityKind.FileWrite, RequireTarget(path, nameof(path)), null);

    /// <summary>Grants connections to a host, on one port or on any port.</summary>
    /// <param name="host">The host name or address.</param>
    /// <param name="port">The port, or null for any port.</param>
    /// <returns>The capability.</returns>
    public static Capability Network(string host, int? port = null)
    {
        if (port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A port is between 1 and 65535.");
        }

        string target = RequireTarget(host, nameof(host));
        if (!IsWritableHost(target))
        {
            throw new ArgumentException($"Host '{target}' contains '[', ']' or whitespace; give an IPv6 address without brackets, e.g. \"::1\".", nameof(host));
        }

        return new(CapabilityKind.Network, target, port);
    }

    /// <summary>A host never holds brackets or whitespace: either would be written back as text that reads as another capability.</summary>
    private static bool IsWritableHost(string host)
        => host.AsSpan().IndexOfAny('[', ']') < 0 && !host.Any(char.IsWhiteSpace);

    /// <summary>Grants calling the named tool.</summary>
    /// <param name="name">The tool's name.</param>
    /// <returns>The capability.</returns>
    public static Capability Tool(string name) => new(CapabilityKind.Tool, RequireTarget(name, nameof(name)), null);

    /// <summary>Grants reading the named environment variable.</summary>
    /// <param name="name">The variable's name.</param>
    /// <returns>The capability.</returns>
    public static Capability Env(string name) => new(CapabilityKind.Env, RequireTarget(name, nameof(name)), null);

    /// <summary>
    /// Reads a capability written in the plan syntax (<c>process:git</c>, <c>fs.read:./src</c>,
    /// <c>fs.write:./out</c>, <c>net:host[:port]</c>, <c>tool:name</c>, <c>env:NAME</c>).
    /// </summary>
    /// <param name="text">The capability as written.</param>
    /// <returns>The capability.</returns>
    /// <exception cref="FormatException">The text is not a capability; the message says why.</exception>
    public static Capability Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var capability, out var error) ? capability : throw new FormatException(error);
    }

    /// <summary>Reads a capability written in the plan syntax, without throwing.</summary>
    /// <param name="text">The capability as written.</param>
    /// <param name="capability">The capability, when the text is one.</param>
    /// <returns>True when the text is a capability.</returns>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Capability? capability)
        => TryParse(text, out capability, out _);

    internal static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Capability? capability, out string error)
    {
        capability = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "an effect is empty; write it as kind:target, e.g. process:git";
            return false;
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            error = $"'{text}' is not an effect; write it as kind:target with a kind of {KnownKinds}";
            return false;
        }

        string kind = text[..colon].Trim();
        string target = text[(colon + 1)..].Trim();
        if (target.Length == 0)
        {
            error = $"effect '{text}' names no target after '{kind}:'";
            return false;
        }

        switch (kind)
        {
            case "process":
                capability = Process(target);
                break;
            case "fs.read":
                capability = FileRead(target);
                break;
            case "fs.write":
                capability = FileWrite(target);
                break;
            case "tool":
                capability = Tool(target);
                break;
            case "env":
                capability = Env(target);
                break;
            case "net":
                return TryParseNetwork(text, target, out capability, out error);
            default:
                error = $"effect '{text}' has an unknown kind '{kind}'; known kinds: {KnownKinds}";
                return false;
        }

        error = string.Empty;
        return true;
    }

    private const string KnownKinds = "process, fs.read, fs.write, net, tool, env";

    private static bool TryParseNetwork(string text, string target, out Capability? capability, out string error)
    {
        capability = null;
        string host = target;
        int? port = null;

        // [::1]:443 or [::1]; a bare IPv6 address (two or more colons) has no port.
        if (target.StartsWith('['))
        {
            int close = target.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"effect '{text}' has an unclosed '[' in its host";
                return false;
            }

            host = target[1..close];
            string rest = target[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':' || !TryPort(rest[1..], out int p))
                {
                    error = $"effect '{text}' has a bad port after the host; a port is a number from 1 to 65535";
                    return false;
                }

                port = p;
            }
        }
        else if (target.Count(c => c == ':') == 1)
        {
            int colon = target.IndexOf(':', StringComparison.Ordinal);
            host = target[..colon];
            if (!TryPort(target[(colon + 1)..], out int p))
            {
                error = $"effect '{text}' has a bad port '{target[(colon + 1)..]}'; a port is a number from 1 to 65535";
                return false;
            }

            port = p;
        }

        if (host.Length == 0)
        {
            error = $"effect '{text}' has no valid host";
            return false;
        }

        // A host never holds brackets (only an IPv6 literal is wrapped in one pair) or whitespace:
        // either would be written back as text that reads as a different capability.
        if (!IsWritableHost(host))
        {
            error = $"effect '{text}' has host '{host}', which contains '[', ']' or whitespace; wrap only an IPv6 address in brackets, as in net:[::1]:443";
            return false;
        }

        capability = new Capability(CapabilityKind.Network, host, port);
        error = string.Empty;
        return true;
    }

    private static bool TryPort(string text, out int port)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    private static string RequireTarget(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        return value.Trim();
    }

    /// <summary>Writes the capability in the plan syntax, e.g. <c>fs.read:./src</c>.</summary>
    /// <returns>The capability as a plan would write it.</returns>
    public override string ToString() => Kind switch
    {
        CapabilityKind.Process => "process:" + Target,
        CapabilityKind.FileRead => "fs.read:" + Target,
        CapabilityKind.FileWrite => "fs.write:" + Target,
        CapabilityKind.Network when Port is null => "net:" + (Target.Contains(':', StringComparison.Ordinal) ? "[" + Target + "]" : Target),
        CapabilityKind.Network => "net:" + (Target.Contains(':', StringComparison.Ordinal) ? "[" + Target + "]" : Target) + ":" + Port.Value.ToString(CultureInfo.InvariantCulture),
        CapabilityKind.Tool => "tool:" + Target,
        _ => "env:" + Target,
    };
}
