namespace TaskExecKit.Dashboard;

/// <summary>Everything the endpoints share: resolved paths, the token, the readers and the control actions.</summary>
internal sealed class DashboardState : IAsyncDisposable
{
    private readonly Lock _tokenGate = new();

    public DashboardState(DashboardOptions options)
    {
        Options = options;
        RuntimeDirectory = Path.GetFullPath(options.Telemetry?.RuntimeDirectory ?? options.RuntimeDirectory);
        StateDirectory = Path.Combine(RuntimeDirectory, "state");
        RunsDirectory = Path.GetFullPath(options.RunsDirectory);
        Tokens = new AccessTokens(options.TimeProvider);
        Runs = new RunReader(RunsDirectory, RuntimeDirectory, options.MaxRuns);
        Telemetry = new TelemetryReader(this);
        Control = new ControlActions(this);
        Engine = new LoopEngine(this);
    }

    internal DashboardOptions Options { get; }

    internal string RuntimeDirectory { get; }

    internal string StateDirectory { get; }

    internal string RunsDirectory { get; }

    internal AccessTokens Tokens { get; }

    internal RunReader Runs { get; }

    internal TelemetryReader Telemetry { get; }

    internal ControlActions Control { get; }

    internal LoopEngine Engine { get; }

    internal void EnsureToken()
    {
        lock (_tokenGate)
        {
            Tokens.Initialize(Options.AccessToken, StateDirectory, Options.TokenGenerated ?? (token =>
                Console.Error.WriteLine($"TaskExecKit dashboard access token (shown once; only its hash is kept in {AccessTokens.HashFile(StateDirectory)}): {token}")));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        await Telemetry.DisposeAsync().ConfigureAwait(false);
    }
}
