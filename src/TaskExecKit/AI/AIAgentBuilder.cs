using Microsoft.Extensions.AI;
using TaskExecKit.AI;
using TaskExecKit.Configuration;
using TaskExecKit.Effects;
using TaskExecKit.Telemetry;

namespace TaskExecKit;

/// <summary>
/// Collects the options of an <see cref="AIAgent"/>; <see cref="Build"/> checks them and names the
/// one that is missing or wrong. Nothing is granted unless <see cref="Grant(Capability[])"/> grants it.
/// </summary>
public sealed class AIAgentBuilder
{
    private readonly List<AgentTool> _tools = [];
    private readonly List<AIFunction> _functions = [];
    private readonly List<Capability> _grants = [];
    private readonly ProviderSetup _providers = new();
    private IChatClient? _client;
    private string? _model;
    private string? _instructions;
    private string? _id;
    private string? _baseDirectory;
    private IReadOnlyList<OfflineRule>? _offlineRules;
    private AgentBudget _budget = AgentBudget.Unbounded;
    private int _maxIterations = 10;
    private TimeProvider _timeProvider = System.TimeProvider.System;
    private TelemetrySystem? _telemetry;
    private TimeSpan? _requestTimeout;
    private readonly List<Func<IChatClient, IChatClient>> _middleware = [];
    private readonly List<ContentFilter> _contentFilters = [];
    private string? _recordPath;
    private TimeSpan _toolTimeout = AgentExtras.DefaultToolTimeout;
    private int _maxAnswerAttempts = AgentExtras.Default.MaxAnswerAttempts;
    private ConversationMemory? _memory;
    private ResponseCache? _cache;
    private AIPriceTable _prices = AIPriceTable.Default;

    internal AIAgentBuilder()
    {
    }

    /// <summary>
    /// Sets the provider that answers first. <see cref="AIProvider.Offline"/> is built in; the others need their
    /// package (<c>TaskExecKit.AI.Anthropic</c>, <c>.OpenAI</c>, <c>.Ollama</c>), found when referenced, or a
    /// <see cref="ProviderFactory"/>, or your own <see cref="ChatClient"/>.
    /// </summary>
    /// <param name="provider">The provider.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Provider(AIProvider provider)
    {
        _providers.Primary = provider;
        return this;
    }

    /// <summary>
    /// Sets the providers asked, in order, when the ones before fail transiently (HTTP 429, 5xx, timeout,
    /// unreachable). A provider that cannot be set up (no key, no package) is skipped and listed in
    /// <see cref="AIAgent.SkippedProviders"/>. Replaces an earlier fallback list.
    /// </summary>
    /// <param name="providers">The fallback providers, e.g. <c>AIProvider.OpenAI, AIProvider.Offline</c>.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Fallback(params AIProvider[] providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        _providers.Fallback = [.. providers];
        return this;
    }

    /// <summary>
    /// Sets the first provider and the fallback list from a preset: <see cref="AIProviderChain.CloudFirst"/> is
    /// Anthropic → OpenAI → Ollama → offline, <see cref="AIProviderChain.LocalFirst"/> is Ollama → Anthropic → OpenAI → offline.
    /// </summary>
    /// <param name="chain">The preset.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Chain(AIProviderChain chain)
    {
        (AIProvider first, AIProvider[] rest) = chain switch
        {
            AIProviderChain.LocalFirst => (AIProvider.Ollama, new[] { AIProvider.Anthropic, AIProvider.OpenAI, AIProvider.Offline }),
            _ => (AIProvider.Anthropic, new[] { AIProvider.OpenAI, AIProvider.Ollama, AIProvider.Offline }),
        };
        return Provider(first).Fallback(rest);
    }

    /// <summary>Sets the API key of the first provider; otherwise it comes from its environment variable (e.g. <c>ANTHROPIC_API_KEY</c>). Keys are never read from files.</summary>
    /// <param name="apiKey">The key.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder ApiKey(string apiKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        _providers.PrimaryKey = apiKey;
        return this;
    }

    /// <summary>Sets the API key of one provider of the chain.</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="apiKey">The key.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder ApiKey(AIProvider provider, string apiKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        _providers.Key(provider, apiKey);
        return this;
    }

    /// <summary>
    /// Sets the base address of the first provider (for OpenAI including <c>/v1</c>; any OpenAI-compatible server
    /// works). Otherwise: <c>ai.toml</c>'s <c>endpoint</c> or <c>[providers.&lt;name&gt;]</c> <c>endpoint</c>, then
    /// <c>ANTHROPIC_BASE_URL</c>, <c>OPENAI_BASE_URL</c> or <c>OLLAMA_HOST</c>, then the provider's default.
    /// </summary>
    /// <param name="endpoint">An absolute http or https address.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Endpoint(Uri endpoint)
    {
        _providers.PrimaryEndpoint = CheckEndpoint(endpoint);
        return this;
    }

    /// <summary>Sets the base address of one provider of the chain.</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="endpoint">An absolute http or https address.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Endpoint(AIProvider provider, Uri endpoint)
    {
        _providers.Endpoint(provider, CheckEndpoint(endpoint));
        return this;
    }

    /// <summary>Sets the model asked of one provider of the chain (the first provider's is <see cref="Model(string)"/>; others use their package's default).</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="model">The model.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Model(AIProvider provider, string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        _providers.Model(provider, model);
        return this;
    }

    /// <summary>Registers a provider's factory explicitly, instead of finding its package by name (e.g. in a trimmed app).</summary>
    /// <param name="factory">The factory, e.g. <c>new AnthropicProviderFactory()</c>.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder ProviderFactory(IAIProviderFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _providers.Register(factory);
        return this;
    }

    /// <summary>Sets how each provider is retried, timed out and left out after repeated failures (<see cref="AIProviderResilience.Default"/> otherwise).</summary>
    /// <param name="resilience">The options.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder ProviderResilience(AIProviderResilience resilience)
    {
        ArgumentNullException.ThrowIfNull(resilience);
        _providers.Resilience = resilience;
        return this;
    }

    /// <summary>Reads environment variables from <paramref name="environment"/> instead of the process (tests).</summary>
    internal AIAgentBuilder EnvironmentVariables(Func<string, string?> environment)
    {
        _providers.Environment = environment;
        return this;
    }

    private static Uri CheckEndpoint(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The endpoint must be an absolute http or https address.", nameof(endpoint));
        }

        return endpoint;
    }

    /// <summary>Sets the model name sent with each request (for the offline provider, only a label).</summary>
    /// <param name="model">The model, e.g. <c>claude-sonnet-4-5</c>.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Model(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        _model = model;
        return this;
    }

    /// <summary>Uses your own chat client (any Microsoft.Extensions.AI <see cref="IChatClient"/>); the agent does not dispose it.</summary>
    /// <param name="client">The client.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder ChatClient(IChatClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        return this;
    }

    /// <summary>Sets the rules of the offline provider, replacing <see cref="OfflineRule.Defaults"/>.</summary>
    /// <param name="rules">The rules, tried in order.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder OfflineRules(params OfflineRule[] rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _offlineRules = [.. rules];
        return this;
    }

    /// <summary>Offers built-in tools to the model.</summary>
    /// <param name="tools">The tools, e.g. <c>new ShellTool(), new FileTool()</c>.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Tools(params AgentTool[] tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        foreach (var tool in tools)
        {
            ArgumentNullException.ThrowIfNull(tool, nameof(tools));
            _tools.Add(tool);
        }

        return this;
    }

    /// <summary>Offers your own functions to the model (e.g. from <see cref="AIFunctionFactory"/>); each runs only when <c>Capability.Tool(name)</c> is granted.</summary>
    /// <param name="functions">The functions.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Tools(params AIFunction[] functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        foreach (var function in functions)
        {
            ArgumentNullException.ThrowIfNull(function, nameof(functions));
            _functions.Add(function);
        }

        return this;
    }

    /// <summary>Sets the system instructions sent before each prompt.</summary>
    /// <param name="instructions">The instructions.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Instructions(string instructions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instructions);
        _instructions = instructions;
        return this;
    }

    /// <summary>Grants effects to the agent's tools; everything else is denied.</summary>
    /// <param name="capabilities">What to allow, e.g. <c>Capability.Process("git")</c>.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Grant(params Capability[] capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        foreach (var capability in capabilities)
        {
            ArgumentNullException.ThrowIfNull(capability, nameof(capabilities));
            _grants.Add(capability);
        }

        return this;
    }

    /// <summary>Sets the directory relative paths are read from, in grants and in tool calls; the current directory by default.</summary>
    /// <param name="path">The directory.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder BaseDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _baseDirectory = path;
        return this;
    }

    /// <summary>Sets the token, wall-time and cost bounds of each run.</summary>
    /// <param name="budget">The budget.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Budget(AgentBudget budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        _budget = budget;
        return this;
    }

    /// <summary>Sets the largest number of model calls in one run (10 by default).</summary>
    /// <param name="maxIterations">At least 1.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder MaxIterations(int maxIterations)
    {
        _maxIterations = maxIterations;
        return this;
    }

    /// <summary>
    /// Sets how long one model request may take; a request that takes longer throws a
    /// <see cref="TimeoutException"/> (a plan task fails as transient, so its retries apply). No limit by default.
    /// </summary>
    /// <param name="timeout">Positive.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder RequestTimeout(TimeSpan timeout)
    {
        _requestTimeout = timeout;
        return this;
    }

    /// <summary>
    /// Applies <c>ai.toml</c> (or an <c>[ai]</c> table): <c>provider</c>, <c>fallback</c>, <c>model</c> and <c>endpoint</c>
    /// (for <c>provider</c>), the <c>[providers.&lt;name&gt;]</c> tables (<c>endpoint</c> and <c>model</c> of any provider of the
    /// chain), the <c>[prices."provider/model"]</c> tables (added to the price table), <c>max_iterations</c> and
    /// <c>timeout</c> (see <see cref="RequestTimeout"/>). A client set with <see cref="ChatClient"/> is kept. Keys never come
    /// from configuration. Endpoints and models given in code (<see cref="Endpoint(Uri)"/>, <see cref="Model(string)"/> and
    /// their per-provider forms) win over the file, whenever they are set; other options set after this call win.
    /// </summary>
    /// <param name="settings">The settings, e.g. <c>EngineConfig.AI</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">A provider is not one of <c>offline</c>, <c>anthropic</c>, <c>openai</c>, <c>ollama</c>.</exception>
    public AIAgentBuilder Configure(AISettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        AIProvider primary = ParseProvider(settings.Provider, nameof(settings));
        _providers.Primary = primary;
        _providers.Fallback = [.. settings.Fallback.Select(name => ParseProvider(name, nameof(settings)))];
        _providers.ConfigEndpoints.Clear();
        _providers.ConfigModels.Clear();
        foreach (var (name, provider) in settings.Providers)
        {
            AIProvider which = ParseProvider(name, nameof(settings));
            if (provider.Endpoint is { } endpoint)
            {
                _providers.ConfigEndpoints[which] = endpoint;
            }

            if (provider.Model is { } providerModel)
            {
                _providers.ConfigModels[which] = providerModel;
            }
        }

        // The top-level endpoint and model are those of `provider`, and win over its [providers.<name>] table.
        if (settings.Endpoint is { } topEndpoint)
        {
            _providers.ConfigEndpoints[primary] = topEndpoint;
        }

        if (settings.Model is { } model)
        {
            _providers.ConfigModels[primary] = model;
        }

        foreach (var (key, price) in settings.Prices)
        {
            int slash = key.IndexOf('/', StringComparison.Ordinal);
            _prices = _prices.With(key[..slash], key[(slash + 1)..], new ModelPrice(price.InputPerMillionTokens, price.OutputPerMillionTokens));
        }

        _maxIterations = settings.MaxIterations;
        _requestTimeout = settings.Timeout;
        return this;
    }

    /// <summary>
    /// Sets the table model calls are priced with, replacing the current one (<see cref="AIPriceTable.Default"/> at first;
    /// <see cref="AIPriceTable.Empty"/> to start from nothing). Each call's estimated cost is in
    /// <see cref="AgentUsage.CostEstimate"/>, in telemetry, and counted against <see cref="AgentBudget.MaxCost"/>
    /// and the budgets above the agent.
    /// </summary>
    /// <param name="prices">The prices.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Prices(AIPriceTable prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        _prices = prices;
        return this;
    }

    /// <summary>Sets the price of one model (or of every model of a provider, with <c>*</c>) in the agent's price table.</summary>
    /// <param name="provider">The provider's name: <c>anthropic</c>, <c>openai</c>, <c>ollama</c>, <c>offline</c>, or the name a custom client reports.</param>
    /// <param name="model">The model, e.g. <c>claude-sonnet-4-5</c>, or <c>*</c>.</param>
    /// <param name="price">The price per million input and output tokens, in the table's unit.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Price(string provider, string model, ModelPrice price)
    {
        _prices = _prices.With(provider, model, price);
        return this;
    }

    private static AIProvider ParseProvider(string name, string parameter) => ProviderInfo.TryParse(name, out var provider)
        ? provider
        : throw new ArgumentException($"The AI provider '{name}' is not known; use offline, anthropic, openai or ollama.", parameter);

    /// <summary>Sets the clock the wall-time budget, tool time limits and latencies are measured with.</summary>
    /// <param name="timeProvider">The clock; <see cref="System.TimeProvider.System"/> by default.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder TimeProvider(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        return this;
    }

    /// <summary>Records model calls, effect checks and bounds reached in a telemetry system (never prompt or response text).</summary>
    /// <param name="telemetry">The telemetry system.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Telemetry(TelemetrySystem telemetry)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        _telemetry = telemetry;
        return this;
    }

    /// <summary>Sets the agent's id (a new one by default).</summary>
    /// <param name="id">The id.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Id(string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        _id = id;
        return this;
    }

    /// <summary>Checks the options and creates the agent.</summary>
    /// <returns>The immutable agent.</returns>
    /// <exception cref="InvalidOperationException">An option is missing or wrong; the message names it.</exception>
    public AIAgent Build()
    {
        if (_maxIterations < 1)
        {
            throw new InvalidOperationException($"MaxIterations is {_maxIterations}; it must be at least 1.");
        }

        if (_budget.MaxTokens is <= 0)
        {
            throw new InvalidOperationException($"Budget MaxTokens is {_budget.MaxTokens}; it must be positive, or null for no token bound.");
        }

        if (_budget.MaxWallTime is { } wall && wall <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Budget MaxWallTime is {wall}; it must be positive, or null for no time bound.");
        }

        if (_budget.MaxCost is <= 0)
        {
            throw new InvalidOperationException($"Budget MaxCost is {_budget.MaxCost}; it must be positive, or null for no cost bound.");
        }

        if (_requestTimeout is { } requestTimeout && requestTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"RequestTimeout is {requestTimeout}; it must be positive.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in _tools.SelectMany(t => t.FunctionNames).Concat(_functions.Select(f => f.Name)))
        {
            if (!names.Add(name))
            {
                throw new InvalidOperationException($"Two tools are named '{name}'; the model could not tell them apart. Give each tool once, with a unique name.");
            }
        }

        EffectPolicy policy;
        try
        {
            policy = EffectPolicy.Builder().Grant(_grants).BaseDirectory(_baseDirectory ?? Environment.CurrentDirectory).Build();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"BaseDirectory is not usable: {ex.Message}", ex);
        }

        string id = _id ?? "ai-agent-" + Guid.NewGuid().ToString("N")[..12];
        var telemetry = _telemetry;
        ProviderResolution providers = _providers.Resolve(_client, _model, _offlineRules, _timeProvider,
            telemetry is null ? null : (provider, reason) => telemetry.RecordDecision("ai.fallback", reason, provider, id));

        // When the model is known now, a cost bound without its price is a mistake to name now; otherwise the run stops at the first unpriced answer.
        if (_budget.MaxCost is not null && providers.Model is { } pricedModel && _prices.Find(providers.ProviderName, pricedModel) is null)
        {
            string key = providers.ProviderName + "/" + pricedModel;
            throw new InvalidOperationException(
                $"Budget MaxCost is set, but the price table has no price for {key}, so the cost could not be bounded: add one with Price(\"{providers.ProviderName}\", \"{pricedModel}\", new ModelPrice(input, output)) or ai.toml's [prices.\"{key}\"] (input_per_mtok, output_per_mtok).");
        }

        return new AIAgent(id, providers.Client, providers.ProviderName, providers.Model, [.. _tools], [.. _functions], _instructions, policy, _budget, _maxIterations, _timeProvider, _telemetry, _requestTimeout)
        {
            ProviderChain = providers.Chain,
            SkippedProviders = providers.Skipped,
            Extras = BuildExtras(),
            Prices = _prices,
        };
    }

    /// <summary>
    /// Adds chat-client middleware between the agent and the model: <paramref name="middleware"/> wraps
    /// the client below it (e.g. <c>inner =&gt; new MyLoggingChatClient(inner)</c>). It sees every model
    /// call of a run, after the content filters and before the provider (and the recorder), so it
    /// cannot undo a filter or a bound. It is called once per run (once per answer attempt of a
    /// structured run), and the client it returns is disposed after it; the agent's own client is not.
    /// Middleware added first is outermost. This is chat-client middleware, not agent middleware.
    /// </summary>
    /// <param name="middleware">Wraps the inner client.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Use(Func<IChatClient, IChatClient> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    /// <summary>
    /// Adds chat-client middleware with Microsoft.Extensions.AI's builder, e.g.
    /// <c>b =&gt; b.UseLogging(loggerFactory)</c>; placed as <see cref="Use(Func{IChatClient, IChatClient})"/> places it.
    /// Do not add function invocation here: the agent runs the tool-call loop itself.
    /// </summary>
    /// <param name="configure">Adds middleware to a <see cref="ChatClientBuilder"/> over the inner client.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Use(Action<ChatClientBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _middleware.Add(inner =>
        {
            var builder = new ChatClientBuilder(inner);
            configure(builder);
            return builder.Build();
        });
        return this;
    }

    /// <summary>
    /// Adds a content filter on what goes into the model (prompts, tool results) and comes out of it
    /// (text, tool-call arguments); filters run in the order added. See <see cref="AI.ContentFilter"/>.
    /// </summary>
    /// <param name="filter">The filter.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder ContentFilter(ContentFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        _contentFilters.Add(filter);
        return this;
    }

    /// <summary>
    /// Sets how long one tool call may take, for every tool (built-in or your own); a call that takes
    /// longer is cancelled and the model is told it failed. Five minutes by default. Built-in tools also
    /// have their own limits (<see cref="ShellTool(TimeSpan)"/>, <see cref="HttpTool(TimeSpan)"/>).
    /// </summary>
    /// <param name="timeout">Positive.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder ToolTimeout(TimeSpan timeout)
    {
        _toolTimeout = timeout;
        return this;
    }

    /// <summary>
    /// Records every model call of every run (what the model was sent, the tools offered, what it
    /// answered) by appending JSON lines to a file, for <see cref="ReplayChatClient"/>. The file holds
    /// prompts, tool results and answers in clear text: keep it where you keep test fixtures, not logs.
    /// </summary>
    /// <param name="path">The file; created with its folder when missing, appended to otherwise.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Record(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _recordPath = path;
        return this;
    }

    /// <summary>Sets how many answers a structured run (<see cref="AIAgent.RunAsync{T}(string, CancellationToken)"/>) may ask for before it refuses (3 by default).</summary>
    /// <param name="attempts">At least 1.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder MaxAnswerAttempts(int attempts)
    {
        _maxAnswerAttempts = attempts;
        return this;
    }

    /// <summary>
    /// Keeps a conversation history across runs in <paramref name="memory"/>: earlier prompts and answers
    /// are sent before each new prompt, within the memory's token budget, and the history is stored so
    /// that an agent with the same <see cref="Id"/> resumes it after a restart. Needs <see cref="Id"/>.
    /// Structured runs (<see cref="AIAgent.RunAsync{T}(string, CancellationToken)"/>) neither read nor add to it.
    /// </summary>
    /// <param name="memory">The memory, e.g. <c>new ConversationMemory("runtime/state/ai_memory")</c>.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Memory(ConversationMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        _memory = memory;
        return this;
    }

    /// <summary>
    /// Answers a request the model has answered before from <paramref name="cache"/> (keyed by provider,
    /// model, messages, tools and response format) instead of asking it again. Off by default; use it
    /// for deterministic tests and repeated offline work, not where fresh answers matter.
    /// </summary>
    /// <param name="cache">The cache, e.g. <c>new ResponseCache("runtime/cache/ai_responses")</c>.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder ResponseCache(ResponseCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        return this;
    }

    private AgentExtras BuildExtras()
    {
        if (_memory is not null && _id is null)
        {
            throw new InvalidOperationException("Memory(...) needs a stable Id(...): the history is stored under the agent's id, and a random id would never find it again after a restart.");
        }

        if (_toolTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"ToolTimeout is {_toolTimeout}; it must be positive.");
        }

        if (_maxAnswerAttempts < 1)
        {
            throw new InvalidOperationException($"MaxAnswerAttempts is {_maxAnswerAttempts}; it must be at least 1.");
        }

        return new AgentExtras([.. _middleware], [.. _contentFilters], _recordPath is null ? null : new ChatRecorder(_recordPath), _toolTimeout, _maxAnswerAttempts, _memory, _cache)
        {
            AgentMiddleware = [.. _agentMiddleware],
        };
    }

    // Agent middleware: around each run of the agent (prompt in, response out), not around each model call.
    private readonly List<Func<DelegatingAIAgent, DelegatingAIAgent>> _agentMiddleware = [];

    /// <summary>
    /// Adds agent middleware around every run of the agent (prompt in, <see cref="AgentResponse"/> out): runs from
    /// code, structured runs, and the runs of a plan's <c>ai</c> agent. <paramref name="middleware"/> wraps the agent
    /// below it in a <see cref="DelegatingAIAgent"/> (e.g. <c>inner =&gt; new MyAgent(inner)</c>); the first added is the
    /// outermost. Ready pieces: <see cref="AIAgentMiddleware.UseLogging"/>, <see cref="AIAgentMiddleware.UseTelemetry"/>,
    /// <see cref="AIAgentMiddleware.UseBudget"/>, <see cref="AIAgentMiddleware.UseRetry"/>. The chain is built once, on the
    /// first run, and shared by concurrent runs. This is agent middleware; <see cref="Use(Func{IChatClient, IChatClient})"/>
    /// adds chat-client middleware around each model call. The two cannot be mixed up: a lambda that makes a
    /// <see cref="DelegatingAIAgent"/> only fits this overload (write <c>(DelegatingAIAgent inner) =&gt; ...</c> if the
    /// compiler ever finds both fit).
    /// </summary>
    /// <param name="middleware">Wraps the inner agent.</param>
    /// <returns>This builder.</returns>
    public AIAgentBuilder Use(Func<DelegatingAIAgent, DelegatingAIAgent> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _agentMiddleware.Add(middleware);
        return this;
    }
}
