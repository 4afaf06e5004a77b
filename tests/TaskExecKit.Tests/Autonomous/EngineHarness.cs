using Microsoft.Extensions.AI;
using TaskExecKit.Autonomous;
using TaskExecKit.Configuration;
using TaskExecKit.Telemetry;

namespace TaskExecKit.Tests.Autonomous;

/// <summary>A temp folder with a configuration, a runtime directory and telemetry, for one engine.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();

    public EngineHarness(string limits = "max_iterations = 3", string grants = "", bool requireApproval = false, bool sqlite = false, string? hierarchy = null)
    {
        if (hierarchy is not null)
        {
            _dir.File("config/hierarchy.toml", hierarchy);
        }

        _dir.File("config/autonomous.toml", "cycle_interval = \"0s\"\n[limits]\n" + limits + "\n");
        _dir.File("config/safety.toml", $"kill_switch_file = \"{_dir.Combine("runtime", "state", "KILL")}\"\nrequire_approval = {(requireApproval ? "true" : "false")}\n[grants]\n{grants}\n");
        _dir.File("config/core.toml", $"runtime_dir = \"{_dir.Combine("runtime")}\"\nruns_dir = \"{_dir.Combine("runs")}\"\n");
        Config = EngineConfig.Load(_dir.Combine("config"));
        var options = new TelemetryOptions { RuntimeDirectory = _dir.Combine("runtime"), WriteJsonLogs = false, DiscoverStore = sqlite, PersistInstrumentMeasurements = false };
        Telemetry = new TelemetrySystem(options);
    }

    public string Root => _dir.Path;

    public string Runtime => _dir.Combine("runtime");

    public EngineConfig Config { get; }

    public TelemetrySystem Telemetry { get; }

    public AutonomousControl Control => new(Runtime);

    public AutonomousEngineOptions Options(IChatClient? model = null, Action<AutonomousEngineOptions>? configure = null)
    {
        var options = new AutonomousEngineOptions
        {
            RuntimeDirectory = Runtime,
            WorkingDirectory = Root,
            RunsDirectory = _dir.Combine("runs"),
            Telemetry = Telemetry,
            ChatClient = model,
        };
        configure?.Invoke(options);
        return options;
    }

    public async Task<IReadOnlyList<TelemetryEvent>> DecisionsAsync()
    {
        await Telemetry.FlushAsync();
        var events = await Telemetry.GetEventsAsync(new EventQuery(TimeRange.Last(TimeSpan.FromDays(1)), kinds: [TelemetryEventKind.Decision], limit: 10_000));
        return [.. events.Where(e => e.Name?.StartsWith("iteration ", StringComparison.Ordinal) == true).OrderBy(e => e.Timestamp)];
    }

    public async Task<IReadOnlyList<TelemetryEvent>> EventsAsync(TelemetryEventKind kind)
    {
        await Telemetry.FlushAsync();
        return await Telemetry.GetEventsAsync(new EventQuery(TimeRange.Last(TimeSpan.FromDays(1)), kinds: [kind], limit: 10_000));
    }

    public async ValueTask DisposeAsync()
    {
        await Telemetry.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>A model that answers every DECIDE with <paramref name="reply"/> and approves every verification.</summary>
    public static ScriptedModel Model(params string[] replies) => new(replies);
}

/// <summary>A scripted model: DECIDE prompts get the next reply (the last one repeats); verification prompts get "approve".</summary>
internal sealed class ScriptedModel(string[] replies) : IChatClient
{
    private int _next;

    public List<string> Prompts { get; } = [];

    public long TokensPerCall { get; init; } = 10;

    public Func<CancellationToken, Task>? BeforeAnswer { get; init; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (BeforeAnswer is not null)
        {
            await BeforeAnswer(cancellationToken);
        }

        string prompt = messages.Last(m => m.Role == ChatRole.User).Text;
        string answer;
        lock (Prompts)
        {
            Prompts.Add(prompt);
            answer = prompt.StartsWith("verify", StringComparison.Ordinal) ? "approve: scripted" : replies[Math.Min(_next++, replies.Length - 1)];
        }

        return new ChatResponse(new ChatMessage(ChatRole.Assistant, answer))
        {
            Usage = new UsageDetails { InputTokenCount = TokensPerCall / 2, OutputTokenCount = TokensPerCall - (TokensPerCall / 2) },
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
