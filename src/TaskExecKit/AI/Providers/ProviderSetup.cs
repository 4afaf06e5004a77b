using Microsoft.Extensions.AI;

namespace TaskExecKit.AI;

/// <summary>
/// The provider part of an <see cref="AIAgentBuilder"/>: which providers, in which order, with which keys,
/// endpoints and models, and how the chain is made resilient. <see cref="Resolve"/> turns it into one client.
/// </summary>
internal sealed class ProviderSetup
{
    private readonly Dictionary<AIProvider, string> _keys = [];
    private readonly Dictionary<AIProvider, Uri> _endpoints = [];
    private readonly Dictionary<AIProvider, string> _models = [];
    private readonly Dictionary<AIProvider, IAIProviderFactory> _factories = [];

    internal AIProvider? Primary { get; set; }

    internal IReadOnlyList<AIProvider> Fallback { get; set; } = [];

    /// <summary>Gets or sets the key given with <c>ApiKey(string)</c>: for the primary provider, whichever it ends up being.</summary>
    internal string? PrimaryKey { get; set; }

    /// <summary>Gets or sets the endpoint given with <c>Endpoint(Uri)</c>, for the primary provider.</summary>
    internal Uri? PrimaryEndpoint { get; set; }

    /// <summary>Gets the endpoints from <c>ai.toml</c>, per provider (the top-level <c>endpoint</c> is its <c>provider</c>'s); the builder's win.</summary>
    internal Dictionary<AIProvider, Uri> ConfigEndpoints { get; } = [];

    /// <summary>Gets the models from <c>ai.toml</c>, per provider (the top-level <c>model</c> is its <c>provider</c>'s); the builder's win.</summary>
    internal Dictionary<AIProvider, string> ConfigModels { get; } = [];

    internal AIProviderResilience Resilience { get; set; } = AIProviderResilience.Default;

    /// <summary>Gets or sets where environment variables are read from (tests replace it; the process never changes).</summary>
    internal Func<string, string?> Environment { get; set; } = System.Environment.GetEnvironmentVariable;

    internal void Key(AIProvider provider, string key) => _keys[provider] = key;

    internal void Endpoint(AIProvider provider, Uri endpoint) => _endpoints[provider] = endpoint;

    internal void Model(AIProvider provider, string model) => _models[provider] = model;

    internal void Register(IAIProviderFactory factory) => _factories[factory.Provider] = factory;

    /// <summary>Builds the chain: each provider that can be set up, in order; the others are skipped with their reason.</summary>
    /// <exception cref="InvalidOperationException">No provider, or none of the chain can be set up; the message names what is missing.</exception>
    internal ProviderResolution Resolve(IChatClient? custom, string? model, IReadOnlyList<OfflineRule>? offlineRules, TimeProvider timeProvider, Action<string, string>? onFallback)
    {
        // The model given in code for the first provider; else the one the configuration gives that provider.
        model ??= Primary is { } configured ? ConfigModels.GetValueOrDefault(configured) : null;
        List<AIProvider> fallback = [.. Fallback.Distinct().Where(p => p != Primary)];
        if (offlineRules is not null && Primary != AIProvider.Offline && !fallback.Contains(AIProvider.Offline))
        {
            throw new InvalidOperationException("OfflineRules(...) was set, but the offline provider is not in the chain; call Provider(AIProvider.Offline), add AIProvider.Offline to Fallback(...), or drop the rules.");
        }

        if (Resilience.Problem() is { } resilienceProblem)
        {
            throw new InvalidOperationException(resilienceProblem);
        }

        if (custom is not null && fallback.Count == 0)
        {
            // Bring your own client, alone: used as given.
            string name = CustomName(custom);
            return new ProviderResolution(custom, name, model, [name], []);
        }

        if (custom is null && Primary is null)
        {
            throw new InvalidOperationException(fallback.Count > 0
                ? "Fallback(...) was set but no first provider: call Provider(...) (or Chain(...)) to say which provider answers first."
                : "No provider is set: call Provider(AIProvider.Offline) for the built-in offline provider, Provider(AIProvider.Anthropic/OpenAI/Ollama) with its package, or ChatClient(...) to use your own IChatClient.");
        }

        var entries = new List<ProviderChainEntry>();
        var skipped = new List<SkippedProvider>();
        string? primaryModel = null;
        bool first = true;
        if (custom is not null)
        {
            string name = CustomName(custom);
            entries.Add(new ProviderChainEntry(name, model, new BorrowedChatClient(custom), Resilience, timeProvider));
            primaryModel = model;
            first = false;
        }

        IEnumerable<AIProvider> chain = custom is null ? [Primary!.Value, .. fallback] : fallback;
        int requested = (custom is null ? 0 : 1) + chain.Count();
        foreach (var provider in chain)
        {
            bool isPrimary = first && provider == Primary;
            first = false;
            var info = ProviderInfo.Of(provider);
            if (provider == AIProvider.Offline)
            {
                string label = isPrimary ? model ?? "offline" : "offline";
                var offline = new OfflineChatClient(offlineRules ?? OfflineRule.Defaults, label);
                if (requested == 1)
                {
                    // The offline provider alone needs no chain: it cannot fail transiently.
                    return new ProviderResolution(offline, info.Name, label, [info.Name], []);
                }

                entries.Add(new ProviderChainEntry(info.Name, null, offline, Resilience, timeProvider));
                primaryModel ??= label;
                continue;
            }

            if (TryCreate(info, isPrimary, model, out var client, out string? entryModel, out string? problem))
            {
                entries.Add(new ProviderChainEntry(info.Name, entryModel, client!, Resilience, timeProvider));
                primaryModel ??= entryModel;
            }
            else if (requested == 1)
            {
                throw new InvalidOperationException(problem);
            }
            else
            {
                skipped.Add(new SkippedProvider(provider, problem!));
            }
        }

        if (entries.Count == 0)
        {
            throw new InvalidOperationException("No provider of the chain can be used: " + string.Join(" ", skipped.Select(s => $"[{ProviderInfo.Of(s.Provider).Name}] {s.Reason}")));
        }

        var client2 = new ProviderChainChatClient(entries, Resilience.AttemptTimeout, onFallback);
        return new ProviderResolution(client2, entries[0].Name, primaryModel, [.. entries.Select(e => e.Name)], skipped);
    }

    /// <summary>
    /// The name a custom client answers under: the provider it was given for (<c>Provider(AIProvider.Anthropic).ChatClient(...)</c>),
    /// else the name it reports, else <c>custom</c>. Never <c>offline</c>: a client of your own is not the offline provider (nor free).
    /// </summary>
    private string CustomName(IChatClient custom) => Primary is { } p && p != AIProvider.Offline
        ? ProviderInfo.Of(p).Name
        : custom.GetService<ChatClientMetadata>()?.ProviderName ?? "custom";

    private bool TryCreate(ProviderInfo info, bool isPrimary, string? model, out IChatClient? client, out string? entryModel, out string? problem)
    {
        client = null;
        entryModel = null;
        problem = null;
        IAIProviderFactory? factory = _factories.GetValueOrDefault(info.Provider) ?? ProviderDiscovery.TryLoad(info, out problem);
        if (factory is null)
        {
            problem ??= $"AIProvider.{info.Provider} has no factory.";
            return false;
        }

        Uri? endpoint = _endpoints.GetValueOrDefault(info.Provider) ?? (isPrimary ? PrimaryEndpoint : null) ?? ConfigEndpoints.GetValueOrDefault(info.Provider);
        if (endpoint is null && info.EndpointVariable is { } variable && Environment(variable) is { Length: > 0 } raw)
        {
            endpoint = info.EndpointFrom(raw);
            if (endpoint is null)
            {
                // The value is not echoed: an address can carry credentials.
                problem = $"{variable} is set but is not an http or https address; fix it or call Endpoint(...).";
                return false;
            }
        }

        string? key = _keys.GetValueOrDefault(info.Provider) ?? (isPrimary ? PrimaryKey : null);
        if (key is null && info.KeyVariable is { } keyVariable && Environment(keyVariable) is { Length: > 0 } envKey)
        {
            key = envKey.Trim();
        }

        if (key is null && info.NeedsKey(endpoint))
        {
            problem = $"the {info.DisplayName} provider needs an API key: set {info.KeyVariable} or call ApiKey(...)";
            return false;
        }

        entryModel = _models.GetValueOrDefault(info.Provider) ?? (isPrimary ? model : null) ?? ConfigModels.GetValueOrDefault(info.Provider) ?? factory.DefaultModel;
        try
        {
            client = factory.CreateChatClient(new AIProviderConnection(info.Provider, key, endpoint, entryModel));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or UriFormatException)
        {
            problem = $"the {info.DisplayName} provider could not be set up: {ex.Message}";
            return false;
        }

        problem = null;
        return true;
    }
}

/// <summary>What <see cref="ProviderSetup.Resolve"/> produced.</summary>
internal sealed record ProviderResolution(IChatClient Client, string ProviderName, string? Model, IReadOnlyList<string> Chain, IReadOnlyList<SkippedProvider> Skipped);
