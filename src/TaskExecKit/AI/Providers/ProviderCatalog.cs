using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace TaskExecKit.AI;

/// <summary>What the core knows of each provider: its name, package, environment variables and whether it needs a key.</summary>
internal sealed record ProviderInfo(AIProvider Provider, string Name, string DisplayName, string Package, string? KeyVariable, string? EndpointVariable)
{
    internal static ProviderInfo Of(AIProvider provider) => provider switch
    {
        AIProvider.Offline => new(provider, "offline", "offline", "TaskExecKit", null, null),
        AIProvider.Anthropic => new(provider, "anthropic", "Anthropic", "TaskExecKit.AI.Anthropic", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
        AIProvider.OpenAI => new(provider, "openai", "OpenAI", "TaskExecKit.AI.OpenAI", "OPENAI_API_KEY", "OPENAI_BASE_URL"),
        AIProvider.Ollama => new(provider, "ollama", "Ollama", "TaskExecKit.AI.Ollama", null, "OLLAMA_HOST"),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Not a known AI provider."),
    };

    /// <summary>Parses a provider name from configuration (<c>offline</c>, <c>anthropic</c>, <c>openai</c>, <c>ollama</c>).</summary>
    internal static bool TryParse(string name, out AIProvider provider)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "offline": provider = AIProvider.Offline; return true;
            case "anthropic": provider = AIProvider.Anthropic; return true;
            case "openai": provider = AIProvider.OpenAI; return true;
            case "ollama": provider = AIProvider.Ollama; return true;
            default: provider = default; return false;
        }
    }

    /// <summary>
    /// Whether a key is required: Anthropic always; OpenAI unless an endpoint other than OpenAI's own is set
    /// (a local OpenAI-compatible server needs none); Ollama never.
    /// </summary>
    internal bool NeedsKey(Uri? endpoint) => Provider switch
    {
        AIProvider.Anthropic => true,
        AIProvider.OpenAI => endpoint is null || endpoint.Host.EndsWith("openai.com", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>Reads an endpoint from its environment variable; <c>OLLAMA_HOST</c> may be <c>host:port</c> or <c>host</c>.</summary>
    internal Uri? EndpointFrom(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        value = value.Trim();
        if (Provider == AIProvider.Ollama && !value.Contains("://", StringComparison.Ordinal))
        {
            value = "http://" + value;
            if (Uri.TryCreate(value, UriKind.Absolute, out var bare) && bare.IsDefaultPort)
            {
                value = $"http://{bare.Host}:11434";
            }
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;
    }
}

/// <summary>Finds a provider package's factory: registered explicitly, or by loading its well-known assembly name.</summary>
internal static class ProviderDiscovery
{
    /// <summary>Loads the assembly named after the package and creates the factory its <see cref="AIProviderFactoryAttribute"/> names.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only the named provider assembly is loaded; its factory type keeps its constructor through the attribute's annotation. A trimmed app that drops the package registers the factory with ProviderFactory(...).")]
    internal static IAIProviderFactory? TryLoad(ProviderInfo info, out string? problem)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(info.Package));
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            problem = $"AIProvider.{info.Provider} needs the {info.Package} package; add it (dotnet add package {info.Package}), or register a factory with ProviderFactory(...), or pass your own IChatClient with ChatClient(...).";
            return null;
        }

        var attribute = assembly.GetCustomAttribute<AIProviderFactoryAttribute>();
        if (attribute is null || !typeof(IAIProviderFactory).IsAssignableFrom(attribute.FactoryType))
        {
            problem = $"The {info.Package} assembly does not name an IAIProviderFactory with [assembly: AIProviderFactory(...)]; it may be from another version of TaskExecKit.";
            return null;
        }

        var factory = (IAIProviderFactory)Activator.CreateInstance(attribute.FactoryType)!;
        if (factory.Provider != info.Provider)
        {
            problem = $"The {info.Package} assembly's factory is for AIProvider.{factory.Provider}, not AIProvider.{info.Provider}.";
            return null;
        }

        problem = null;
        return factory;
    }
}
