using System.Collections.Frozen;
using System.Globalization;
using System.Text.RegularExpressions;

namespace TaskExecKit.Configuration;

/// <summary>The mutable state of one load: the configuration being filled in and the agents seen so far.</summary>
internal sealed class LoadState
{
    public EngineConfig Config { get; } = new();

    public Dictionary<string, (AgentSettings Options, Dictionary<string, string> Settings)> Agents { get; } =
        new(StringComparer.OrdinalIgnoreCase);

    public EngineConfig Complete(string? environment, IReadOnlyList<string> sources)
    {
        foreach (var (options, settings) in Agents.Values)
        {
            options.Settings = settings.ToFrozenDictionary(StringComparer.Ordinal);
        }

        Config.Agents = Agents.ToFrozenDictionary(pair => pair.Key, pair => pair.Value.Options, StringComparer.OrdinalIgnoreCase);
        Config.Environment = environment;
        Config.Sources = sources;
        return Config;
    }
}

/// <summary>
/// Maps a <see cref="ConfigNode"/> tree onto the typed sections: every known key explicitly, with its
/// type and range checked; every other key is a problem that names the file, line, column and key.
/// Values are never echoed for keys that look like secrets.
/// </summary>
internal sealed partial class ConfigBinder(ProblemList problems, LoadState state)
{
    private static readonly string[] RootKeys = ["core", "autonomous", "ai", "agents", "telemetry", "safety"];
    private static readonly string[] CoreKeys = ["max_workers", "default_timeout", "default_retries", "runs_dir", "runtime_dir", "fail_fast", "dry_run"];
    private static readonly string[] AutonomousKeys = ["cycle_interval", "limits"];
    private static readonly string[] LimitKeys = ["max_iterations", "max_wall_time", "max_tokens", "max_cost", "max_tasks", "max_consecutive_failures", "max_error_rate"];
    private static readonly string[] AIKeys = ["provider", "model", "fallback", "endpoint", "timeout", "max_iterations", "providers", "prices"];
    private static readonly string[] AIProviderNames = ["anthropic", "openai", "ollama"];
    private static readonly string[] AIProviderKeys = ["endpoint", "model"];
    private static readonly string[] AIPriceKeys = ["input_per_mtok", "output_per_mtok"];
    private static readonly string[] AgentKeys = ["kind", "pool_size", "timeout", "retries", "settings"];
    private static readonly string[] TelemetryKeys = ["enabled", "storage", "database_dir", "capture_prompts", "retention", "alerts"];
    private static readonly string[] AlertKeys = ["failure_rate", "p95_latency", "webhook"];
    private static readonly string[] SafetyKeys = ["kill_switch_file", "require_approval", "grants"];
    private static readonly string[] GrantKeys = ["process", "fs_read", "fs_write", "net", "tool", "env"];

    /// <summary>Binds a whole configuration: <c>[core]</c>, <c>[ai]</c>, <c>[agents.&lt;name&gt;]</c>, ... tables.</summary>
    public void BindRoot(ConfigNode root)
    {
        foreach (var (key, node) in root.Children!)
        {
            switch (key)
            {
                case "core":
                    BindSection(node, "", key, BindCore);
                    break;
                case "autonomous":
                    BindSection(node, "", key, BindAutonomous);
                    break;
                case "ai":
                    BindSection(node, "", key, BindAI);
                    break;
                case "telemetry":
                    BindSection(node, "", key, BindTelemetry);
                    break;
                case "safety":
                    BindSection(node, "", key, BindSafety);
                    break;
                case "agents":
                    if (ExpectTable(node, "", key))
                    {
                        foreach (var (name, agent) in node.Children!)
                        {
                            if (ExpectTable(agent, "agents", name))
                            {
                                BindAgent(name, agent);
                            }
                        }
                    }

                    break;
                default:
                    Unknown(node, "", key, RootKeys);
                    break;
            }
        }
    }

    public void BindCore(ConfigNode table)
    {
        const string Section = "core";
        var core = state.Config.Core;
        foreach (var (key, node) in table.Children!)
        {
            switch (key)
            {
                case "max_workers":
                    if (Integer(node, Section, key, 1, 10_000, out var workers))
                    {
                        core.MaxWorkers = (int)workers;
                    }

                    break;
                case "default_timeout":
                    if (Duration(node, Section, key, allowZero: false, out var timeout))
                    {
                        core.DefaultTimeout = timeout;
                    }

                    break;
                case "default_retries":
                    if (Integer(node, Section, key, 0, 100, out var retries))
                    {
                        core.DefaultRetries = (int)retries;
                    }

                    break;
                case "runs_dir":
                    if (Text(node, Section, key, out var runs))
                    {
                        core.RunsDirectory = runs;
                    }

                    break;
                case "runtime_dir":
                    if (Text(node, Section, key, out var runtime))
                    {
                        core.RuntimeDirectory = runtime;
                    }

                    break;
                case "fail_fast":
                    if (Boolean(node, Section, key, out var failFast))
                    {
                        core.FailFast = failFast;
                    }

                    break;
                case "dry_run":
                    if (Boolean(node, Section, key, out var dryRun))
                    {
                        core.DryRun = dryRun;
                    }

                    break;
                default:
                    Unknown(node, Section, key, CoreKeys);
                    break;
            }
        }
    }

    public void BindAutonomous(ConfigNode table)
    {
        const string Section = "autonomous";
        foreach (var (key, node) in table.Children!)
        {
            switch (key)
            {
                case "cycle_interval":
                    if (Duration(node, Section, key, allowZero: true, out var interval))
                    {
                        state.Config.Autonomous.CycleInterval = interval;
                    }

                    break;
                case "limits":
                    BindSection(node, Section, key, BindLimits);
                    break;
                default:
                    Unknown(node, Section, key, AutonomousKeys);
                    break;
            }
        }
    }

    private void BindLimits(ConfigNode table)
    {
        const string Section = "autonomous.limits";
        var limits = state.Config.Autonomous.Limits;
        foreach (var (key, node) in table.Children!)
        {
            switch (key)
            {
                case "max_iterations":
                    if (Integer(node, Section, key, 1, int.MaxValue, out var iterations))
                    {
                        limits.MaxIterations = (int)iterations;
                    }

                    break;
                case "max_wall_time":
                    if (Duration(node, Section, key, allowZero: false, out var wallTime))
                    {
                        limits.MaxWallTime = wallTime;
                    }

                    break;
                case "max_tokens":
                    if (Integer(node, Section, key, 1, long.MaxValue, out var tokens))
                    {
                        limits.MaxTokens = tokens;
                    }

                    break;
                case "max_cost":
                    if (Number(node, Section, key, 0, 1_000_000_000, out var cost))
                    {
                        limits.MaxCost = (decimal)cost;
                    }

                    break;
                case "max_tasks":
                    if (Integer(node, Section, key, 1, int.MaxValue, out var tasks))
                    {
                        limits.MaxTasks = (int)tasks;
                    }

                    break;
                case "max_consecutive_failures":
                    if (Integer(node, Section, key, 1, int.MaxValue, out var failures))
                    {
                        limits.MaxConsecutiveFailures = (int)failures;
                    }

                    break;
                case "max_error_rate":
                    if (Number(node, Section, key, 0, 1, out var rate))
                    {
                        limits.MaxErrorRate = rate;
                    }

                    break;
                default:
                    Unknown(node, Section, key, LimitKeys);
                    break;
            }
        }
    }

    public void BindAI(ConfigNode table)
    {
        const string Section = "ai";
        var ai = state.Config.AI;
        foreach (var (key, node) in table.Children!)
        {
            switch (key)
            {
                case "provider":
                    if (Name(node, Section, key, out var provider))
                    {
                        ai.Provider = provider;
                    }

                    break;
                case "model":
                    if (Text(node, Section, key, out var model))
                    {
                        ai.Model = model;
                    }

                    break;
                case "fallback":
                    if (TextList(node, Section, key, out var fallback))
                    {
                        var bad = fallback.FirstOrDefault(name => !NamePattern().IsMatch(name));
                        if (bad is null)
                        {
                            ai.Fallback = fallback;
                        }
                        else
                        {
                            problems.Add(node.Location, Path(Section, key), $"'{key}' in [{Section}] must list provider names ({NameRule}); '{Shorten(bad)}' is not one");
                        }
                    }

                    break;
                case "endpoint":
                    if (Endpoint(node, Section, key, out var uri))
                    {
                        ai.Endpoint = uri;
                    }

                    break;
                case "providers":
                    if (ExpectTable(node, Section, key))
                    {
                        foreach (var (name, providerTable) in node.Children!)
                        {
                            BindAIProvider(name, providerTable);
                        }
                    }

                    break;
                case "prices":
                    if (ExpectTable(node, Section, key))
                    {
                        foreach (var (name, priceTable) in node.Children!)
                        {
                            BindAIPrice(name, priceTable);
                        }
                    }

                    break;
                case "timeout":
                    if (Duration(node, Section, key, allowZero: false, out var timeout))
                    {
                        ai.Timeout = timeout;
                    }

                    break;
                case "max_iterations":
                    if (Integer(node, Section, key, 1, 1_000, out var iterations))
                    {
                        ai.MaxIterations = (int)iterations;
                    }

                    break;
                default:
                    Unknown(node, Section, key, AIKeys);
                    break;
            }
        }
    }

    /// <summary>Binds <c>[providers.&lt;name&gt;]</c> of ai.toml: the endpoint and model of one provider. Keys are refused like everywhere.</summary>
    private void BindAIProvider(string name, ConfigNode table)
    {
        const string Parent = "ai.providers";
        if (!AIProviderNames.Contains(name, StringComparer.Ordinal))
        {
            string why = name == "offline" ? "the offline provider has no endpoint, and its model is only a label (set it with the top-level 'model')" : $"it is not a provider with an endpoint or a model to set; providers: {string.Join(", ", AIProviderNames)}";
            problems.Add(table.Location, Path(Parent, name), $"[{Parent}.{Shorten(name)}]: {why}");
            return;
        }

        if (!ExpectTable(table, Parent, name))
        {
            return;
        }

        var section = Parent + "." + name;
        var ai = state.Config.AI;
        if (!ai.ProviderTables.TryGetValue(name, out var provider))
        {
            provider = new AIProviderSettings();
            ai.ProviderTables.Add(name, provider);
        }

        foreach (var (key, node) in table.Children!)
        {
            switch (key)
            {
                case "endpoint":
                    if (Endpoint(node, section, key, out var uri))
                    {
                        provider.Endpoint = uri;
                    }

                    break;
                case "model":
                    if (Text(node, section, key, out var model))
                    {
                        provider.Model = model;
                    }

                    break;
                default:
                    Unknown(node, section, key, AIProviderKeys);
                    break;
            }
        }
    }

    /// <summary>Binds <c>[prices."provider/model"]</c> of ai.toml: a model's price per million input and output tokens, both required.</summary>
    private void BindAIPrice(string name, ConfigNode table)
    {
        const string Parent = "ai.prices";
        string key = name.Trim().ToLowerInvariant();
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == key.Length - 1 || key.IndexOf('/', slash + 1) >= 0 || !NamePattern().IsMatch(key[..slash])
            || key.Length > 200 || key.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            problems.Add(table.Location, Path(Parent, name), $"[{Parent}.\"{Shorten(name)}\"]: a price is keyed \"provider/model\", like [prices.\"anthropic/claude-sonnet-4-5\"] or [prices.\"ollama/*\"] for every model of a provider");
            return;
        }

        if (!ExpectTable(table, Parent, name))
        {
            return;
        }

        var section = $"{Parent}.\"{key}\"";
        decimal? input = null;
        decimal? output = null;
        foreach (var (entry, node) in table.Children!)
        {
            switch (entry)
            {
                case "input_per_mtok":
                    if (Number(node, section, entry, 0, 1_000_000, out var inputPrice))
                    {
                        input = (decimal)inputPrice;
                    }

                    break;
                case "output_per_mtok":
                    if (Number(node, section, entry, 0, 1_000_000, out var outputPrice))
                    {
                        output = (decimal)outputPrice;
                    }

                    break;
                default:
                    Unknown(node, section, entry, AIPriceKeys);
                    break;
            }
        }

        if (table.Children.ContainsKey("input_per_mtok") && table.Children.ContainsKey("output_per_mtok"))
        {
            if (input is { } i && output is { } o)
            {
                state.Config.AI.PriceTables[key] = new AIPriceSettings { InputPerMillionTokens = i, OutputPerMillionTokens = o };
            }
        }
        else
        {
            problems.Add(table.Location, Path(Parent, name), $"[{section}] needs both input_per_mtok and output_per_mtok (the price of a million input and output tokens), e.g. input_per_mtok = 3.0 and output_per_mtok = 15.0");
        }
    }

    /// <summary>Reads an endpoint: an absolute http or https address without credentials (the value is never echoed).</summary>
    private bool Endpoint(ConfigNode node, string section, string key, out Uri? uri)
    {
        uri = null;
        if (!Text(node, section, key, out var endpoint))
        {
            return false;
        }

        if (Uri.TryCreate(endpoint, UriKind.Absolute, out uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.UserInfo.Length == 0)
        {
            return true;
        }

        // Not echoed: an endpoint can carry credentials.
        uri = null;
        problems.Add(node.Location, Path(section, key), $"'{key}' {Where(section)} must be an absolute http or https address without credentials, like \"http://127.0.0.1:8080/v1\"");
        return false;
    }

    public void BindAgent(string name, ConfigNode table)
    {
        if (!NamePatternAnyCase().IsMatch(name))
        {
            problems.Add(table.Location, Path("agents", name), $"'{Shorten(name)}' is not a valid agent name: use letters, digits, '-' or '_' (at most 64)");
            return;
        }

        if (!state.Agents.TryGetValue(name, out var agent))
        {
            agent = (new AgentSettings(name), new Dictionary<string, string>(StringComparer.Ordinal));
            state.Agents.Add(name, agent);
        }

        var section = "agents." + name;
        var options = agent.Options;
        foreach (var (key, node) in table.Children!)
        {
            switch (key)
            {
                case "kind":
                    if (Name(node, section, key, out var kind))
                    {
                        options.Kind = kind;
                    }

                    break;
                case "pool_size":
                    if (Integer(node, section, key, 1, 1_024, out var pool))
                    {
                        options.PoolSize = (int)pool;
                    }

                    break;
                case "timeout":
                    if (Duration(node, section, key, allowZero: false, out var timeout))
                    {
                        options.Timeout = timeout;
                    }

                    break;
                case "retries":
                    if (Integer(node, section, key, 0, 100, out var retries))
                    {
                        options.Retries = (int)retries;
                    }

                    break;
                case "settings":
                    if (ExpectTable(node, section, key))
                    {
                        BindSettings(node, section + ".settings", agent.Settings);
                    }

                    break;
                default:
                    Unknown(node, section, key, AgentKeys);
                    break;
            }
        }
    }

    private void BindSettings(ConfigNode table, string section, Dictionary<string, string> settings)
    {
        foreach (var (key, node) in table.Children!)
        {
            if (LooksSecret(key))
            {
                Secret(node, section, key);
            }
            else if (node.Kind is ConfigNodeKind.String or ConfigNodeKind.EnvironmentText)
            {
                settings[key] = (string)node.Scalar!;
            }
            else
            {
                WrongType(node, section, key, "a string");
            }
        }
    }

    public void BindTelemetry(ConfigNode table)
    {
        const string Section = "telemetry";
        var telemetry = state.Config.Telemetry;
        foreach (var (key, node) in table.Children!)
        {
            switch (key)
            {
                case "enabled":
                    if (Boolean(node, Section, key, out var enabled))
                    {
                        telemetry.Enabled = enabled;
                    }

                    break;
                case "storage":
                    if (Text(node, Section, key, out var storage))
                    {
                        switch (storage)
                        {
                            case "sqlite":
                                telemetry.Storage = TelemetryStorage.Sqlite;
                                break;
                            case "memory":
                                telemetry.Storage = TelemetryStorage.Memory;
                                break;
                            default:
                                problems.Add(node.Location, Path(Section, key), $"'{key}' in [{Section}] must be \"sqlite\" or \"memory\"; '{Shorten(storage)}' is not one");
                                break;
                        }
                    }

                    break;
                case "database_dir":
                    if (Text(node, Section, key, out var directory))
                    {
                        telemetry.DatabaseDirectory = directory;
                    }

                    break;
                case "capture_prompts":
                    if (Boolean(node, Section, key, out var capture))
                    {
                        telemetry.CapturePrompts = capture;
                    }

                    break;
                case "retention":
                    if (Duration(node, Section, key, allowZero: false, out var retention))
                    {
                        telemetry.Retention = retention;
                    }

                    break;
                case "alerts":
                    BindSection(node, Section, key, BindAlerts);
                    break;
                default:
                    Unknown(node, Section, key, TelemetryKeys);
                    break;
            }
        }
    }

    private void BindAlerts(ConfigNode table)
    {
        const string Section = "telemetry.alerts";
        var alerts = state.Config.Telemetry.Alerts;
        foreach (var (key, node) in table.Children!)
        {
            switch (key)
            {
                case "failure_rate":
                    if (Number(node, Section, key, 0, 1, out var rate))
                    {
                        alerts.FailureRate = rate;
                    }

                    break;
                case "p95_latency":
                    if (Duration(node, Section, key, allowZero: false, out var latency))
                    {
                        alerts.P95Latency = latency;
                    }

                    break;
                case "webhook":
                    if (Text(node, Section, key, out string url))
                    {
                        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                        {
                            alerts.Webhook = uri;
                        }
                        else
                        {
                            problems.Add(node.Location, Path(Section, key), $"'{key}' {Where(Section)} must be an absolute http or https URL, not '{url}'");
                        }
                    }

                    break;
                default:
                    Unknown(node, Section, key, AlertKeys);
                    break;
            }
        }
    }

    public void BindSafety(ConfigNode table)
    {
        const string Section = "safety";
        var safety = state.Config.Safety;
        foreach (var (key, node) in table.Children!)
        {
            switch (key)
            {
                case "kill_switch_file":
                    if (Text(node, Section, key, out var file))
                    {
                        safety.KillSwitchFile = file;
                    }

                    break;
                case "require_approval":
                    if (Boolean(node, Section, key, out var approval))
                    {
                        safety.RequireApproval = approval;
                    }

                    break;
                case "grants":
                    BindSection(node, Section, key, BindGrants);
                    break;
                default:
                    Unknown(node, Section, key, SafetyKeys);
                    break;
            }
        }
    }

    private void BindGrants(ConfigNode table)
    {
        const string Section = "safety.grants";
        var grants = state.Config.Safety.Grants;
        foreach (var (key, node) in table.Children!)
        {
            if (!GrantKeys.Contains(key))
            {
                Unknown(node, Section, key, GrantKeys);
                continue;
            }

            if (!TextList(node, Section, key, out var list) || !GrantsParse(node, Section, key, list))
            {
                continue;
            }

            switch (key)
            {
                case "process":
                    grants.Process = list;
                    break;
                case "fs_read":
                    grants.FileSystemRead = list;
                    break;
                case "fs_write":
                    grants.FileSystemWrite = list;
                    break;
                case "net":
                    grants.Network = list;
                    break;
                case "tool":
                    grants.Tool = list;
                    break;
                default:
                    grants.Environment = list;
                    break;
            }
        }
    }

    /// <summary>Checks that every grant reads as a capability of its list's kind (prefix optional).</summary>
    private bool GrantsParse(ConfigNode node, string section, string key, IReadOnlyList<string> list)
    {
        string prefix = SafetyGrants.PrefixOf(key);
        bool ok = true;
        foreach (string item in list)
        {
            if (!Effects.Capability.TryParse(SafetyGrants.AsEffect(item, prefix), out _, out string error))
            {
                problems.Add(node.Location, Path(section, key), $"'{key}' {Where(section)} has a grant that is not an effect: {error}");
                ok = false;
            }
        }

        return ok;
    }

    // ---- value readers -------------------------------------------------------------------------

    private const string NameRule = "lowercase letters, digits, '-', '_' or '.'";

    private void BindSection(ConfigNode node, string parent, string key, Action<ConfigNode> bind)
    {
        if (ExpectTable(node, parent, key))
        {
            bind(node);
        }
    }

    private bool ExpectTable(ConfigNode node, string section, string key)
    {
        if (node.Kind == ConfigNodeKind.Table)
        {
            return true;
        }

        WrongType(node, section, key, "a table");
        return false;
    }

    private bool Integer(ConfigNode node, string section, string key, long min, long max, out long value)
    {
        value = 0;
        switch (node.Kind)
        {
            case ConfigNodeKind.Integer:
                value = (long)node.Scalar!;
                break;
            case ConfigNodeKind.EnvironmentText when long.TryParse((string)node.Scalar!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed):
                value = parsed;
                break;
            default:
                WrongType(node, section, key, "an integer");
                return false;
        }

        if (value < min || value > max)
        {
            problems.Add(node.Location, Path(section, key), string.Create(CultureInfo.InvariantCulture, $"'{key}' {Where(section)} must be {Range(min, max)}; it is {value}"));
            return false;
        }

        return true;
    }

    private bool Number(ConfigNode node, string section, string key, double min, double max, out double value)
    {
        value = 0;
        switch (node.Kind)
        {
            case ConfigNodeKind.Integer:
                value = (long)node.Scalar!;
                break;
            case ConfigNodeKind.Float:
                value = (double)node.Scalar!;
                break;
            case ConfigNodeKind.EnvironmentText when double.TryParse((string)node.Scalar!, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed):
                value = parsed;
                break;
            default:
                WrongType(node, section, key, "a number");
                return false;
        }

        if (!(value >= min && value <= max))
        {
            problems.Add(node.Location, Path(section, key), string.Create(CultureInfo.InvariantCulture, $"'{key}' {Where(section)} must be between {min} and {max}; it is {value}"));
            return false;
        }

        return true;
    }

    private bool Boolean(ConfigNode node, string section, string key, out bool value)
    {
        value = false;
        switch (node.Kind)
        {
            case ConfigNodeKind.Boolean:
                value = (bool)node.Scalar!;
                return true;
            case ConfigNodeKind.EnvironmentText when bool.TryParse((string)node.Scalar!, out var parsed):
                value = parsed;
                return true;
            default:
                WrongType(node, section, key, "true or false");
                return false;
        }
    }

    private bool Text(ConfigNode node, string section, string key, out string value)
    {
        value = "";
        if (node.Kind is not (ConfigNodeKind.String or ConfigNodeKind.EnvironmentText))
        {
            WrongType(node, section, key, "a string");
            return false;
        }

        value = ((string)node.Scalar!).Trim();
        if (value.Length == 0)
        {
            problems.Add(node.Location, Path(section, key), $"'{key}' {Where(section)} must not be empty");
            return false;
        }

        return true;
    }

    private bool Name(ConfigNode node, string section, string key, out string value)
    {
        if (!Text(node, section, key, out value))
        {
            return false;
        }

        if (!NamePattern().IsMatch(value))
        {
            problems.Add(node.Location, Path(section, key), $"'{key}' {Where(section)} must be a name of {NameRule}; '{Shorten(value)}' is not one");
            return false;
        }

        return true;
    }

    private bool Duration(ConfigNode node, string section, string key, bool allowZero, out TimeSpan value)
    {
        value = default;
        if (node.Kind is not (ConfigNodeKind.String or ConfigNodeKind.EnvironmentText))
        {
            WrongType(node, section, key, "a duration string like \"30s\"");
            return false;
        }

        var text = (string)node.Scalar!;
        if (!TaskExecKit.Duration.TryParse(text.Trim(), out value))
        {
            problems.Add(node.Location, Path(section, key), $"'{key}' {Where(section)} must be a duration, {TaskExecKit.Duration.Expected}; '{Shorten(text)}' is not one");
            return false;
        }

        if (!allowZero && value == TimeSpan.Zero)
        {
            problems.Add(node.Location, Path(section, key), $"'{key}' {Where(section)} must be longer than zero");
            return false;
        }

        return true;
    }

    private bool TextList(ConfigNode node, string section, string key, out IReadOnlyList<string> value)
    {
        value = [];
        List<string> items = [];
        switch (node.Kind)
        {
            case ConfigNodeKind.EnvironmentText:
                items.AddRange(((string)node.Scalar!).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                break;
            case ConfigNodeKind.Array:
                foreach (var item in node.Items!)
                {
                    if (item.Kind != ConfigNodeKind.String)
                    {
                        problems.Add(item.Location, Path(section, key), $"'{key}' {Where(section)} must be an array of strings, but it holds {item.Describe()}");
                        return false;
                    }

                    var text = ((string)item.Scalar!).Trim();
                    if (text.Length == 0)
                    {
                        problems.Add(item.Location, Path(section, key), $"'{key}' {Where(section)} must not hold empty strings");
                        return false;
                    }

                    items.Add(text);
                }

                break;
            default:
                WrongType(node, section, key, "an array of strings");
                return false;
        }

        value = [.. items];
        return true;
    }

    // ---- problems --------------------------------------------------------------------------------

    private void WrongType(ConfigNode node, string section, string key, string expected)
    {
        var found = node.Kind == ConfigNodeKind.EnvironmentText ? "" : $", but it is {node.Describe()}";
        problems.Add(node.Location, Path(section, key), $"'{key}' {Where(section)} must be {expected}{found}");
    }

    private void Unknown(ConfigNode node, string section, string key, IReadOnlyList<string> known)
    {
        if (LooksSecret(key))
        {
            Secret(node, section, key);
            return;
        }

        var suggestion = known
            .Select(candidate => (candidate, distance: EditDistance(key, candidate)))
            .Where(pair => pair.distance <= 2)
            .OrderBy(pair => pair.distance)
            .Select(pair => pair.candidate)
            .FirstOrDefault();
        var hint = suggestion is not null
            ? $" (did you mean '{suggestion}'?)"
            : key == section
                ? $" (in {section}.toml the keys go at the top level, without a [{section}] header)"
                : "";
        problems.Add(node.Location, Path(section, key), $"unknown key '{Shorten(key)}' {Where(section)}{hint}; known keys: {string.Join(", ", known)}");
    }

    private void Secret(ConfigNode node, string section, string key) =>
        problems.Add(
            node.Location,
            Path(section, key),
            $"'{Shorten(key)}' {Where(section)} looks like a secret, and secrets are never read from configuration; remove it and set the provider's environment variable instead (for example ANTHROPIC_API_KEY or OPENAI_API_KEY)");

    internal static bool LooksSecret(string key) => SecretNames.LooksSecret(key);

    private static string Path(string section, string key) => section.Length == 0 ? key : section + "." + key;

    private static string Where(string section) => section.Length == 0 ? "at the top level" : $"in [{section}]";

    private static string Range(long min, long max) => max == long.MaxValue || max == int.MaxValue
        ? string.Create(CultureInfo.InvariantCulture, $"at least {min}")
        : string.Create(CultureInfo.InvariantCulture, $"between {min} and {max}");

    private static string Shorten(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? '?' : c).Take(41).ToArray());
        return clean.Length > 40 ? clean[..40] + "…" : clean;
    }

    private static int EditDistance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2 || a.Length > 64)
        {
            return int.MaxValue;
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\\z", RegexOptions.CultureInvariant)]
    internal static partial Regex NamePatternAnyCase();
}
