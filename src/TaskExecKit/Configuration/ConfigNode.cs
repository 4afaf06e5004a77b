namespace TaskExecKit.Configuration;

/// <summary>The kind of a parsed configuration value.</summary>
internal enum ConfigNodeKind
{
    Table,
    Array,
    String,
    Integer,
    Float,
    Boolean,
    DateTime,

    /// <summary>Text from an environment variable, converted to the type the key expects.</summary>
    EnvironmentText,
}

/// <summary>Where a key or value was written: a file position or an environment variable.</summary>
internal readonly record struct ConfigLocation(string? File, int Line, int Column, string? Variable)
{
    public static ConfigLocation InFile(string file, int line, int column) => new(file, line, column, null);

    public static ConfigLocation InVariable(string variable) => new(null, 0, 0, variable);
}

/// <summary>
/// A parsed configuration value with the location of the key that defined it. Both TOML files and
/// environment variables become trees of these, so one binder validates both.
/// </summary>
internal sealed class ConfigNode
{
    private ConfigNode(ConfigNodeKind kind, ConfigLocation location, object? scalar)
    {
        Kind = kind;
        Location = location;
        Scalar = scalar;
        if (kind == ConfigNodeKind.Table)
        {
            Children = new OrderedDictionary<string, ConfigNode>(StringComparer.Ordinal);
        }
        else if (kind == ConfigNodeKind.Array)
        {
            Items = [];
        }
    }

    public ConfigNodeKind Kind { get; }

    public ConfigLocation Location { get; }

    /// <summary>The value of a scalar: string, long, double, bool or the date-time text.</summary>
    public object? Scalar { get; }

    /// <summary>The entries of a table, in the order they were written.</summary>
    public OrderedDictionary<string, ConfigNode>? Children { get; }

    /// <summary>The items of an array.</summary>
    public List<ConfigNode>? Items { get; }

    /// <summary>Whether this array was written as <c>[[name]]</c> tables.</summary>
    public bool IsTableArray { get; init; }

    public static ConfigNode Table(ConfigLocation location) => new(ConfigNodeKind.Table, location, null);

    public static ConfigNode Array(ConfigLocation location) => new(ConfigNodeKind.Array, location, null);

    public static ConfigNode TableArray(ConfigLocation location) => new(ConfigNodeKind.Array, location, null) { IsTableArray = true };

    public static ConfigNode Leaf(ConfigNodeKind kind, ConfigLocation location, object value) => new(kind, location, value);

    /// <summary>Describes the kind with an article, for messages such as "found a string".</summary>
    public string Describe() => Kind switch
    {
        ConfigNodeKind.Table => "a table",
        ConfigNodeKind.Array => "an array",
        ConfigNodeKind.String => "a string",
        ConfigNodeKind.Integer => "an integer",
        ConfigNodeKind.Float => "a float",
        ConfigNodeKind.Boolean => "a boolean",
        ConfigNodeKind.DateTime => "a date-time",
        _ => "text",
    };
}
