using TaskExecKit.Cli.Commands;

namespace TaskExecKit.Tests.Cli;

public sealed class RunCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<(int Exit, string Output, string Error)> RunAsync(string planJson, string[]? grants = null, bool failFast = false, string? planPath = null, CancellationToken cancellationToken = default)
    {
        string path = planPath ?? _temp.WriteFile("plan.json", planJson);
        var output = new StringWriter();
        var error = new StringWriter();
        var options = new RunOptions(path, 2, DryRun: false, failFast, _temp.Combine("config"), ConfigGiven: false, _temp.Combine("runs"), grants ?? []);
        int exit = await RunCommand.RunAsync(options, output, error, interactive: false, cancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private const string Good = """
        { "version": 2, "queues": [ { "name": "Q", "tasks": [ { "id": "a", "title": "A" }, { "id": "b", "title": "B", "needs": ["a"] } ] } ] }
        """;

    [Fact]
    public async Task Run_EveryTaskSucceeds_ExitsZeroAndPrintsPlainLines()
    {
        var (exit, output, error) = await RunAsync(Good);

        Assert.True(exit == 0, output + error);
        Assert.Contains("started   a", output, StringComparison.Ordinal);
        Assert.Contains("ok        b", output, StringComparison.Ordinal);
        Assert.Contains("run ok", output, StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(_temp.Combine("runs")));
    }

    [Fact]
    public async Task Run_TaskFails_ExitsTwo()
    {
        const string plan = """{ "version": 2, "queues": [ { "name": "Q", "tasks": [ { "id": "f", "title": "F", "run": ["false"] } ] } ] }""";

        var (exit, output, _) = await RunAsync(plan, ["process:false", "fs.read:/"]);

        Assert.Equal(2, exit);
        Assert.Contains("failed    f", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingPlanFile_ExitsOneWithAOneLineError()
    {
        var (exit, _, error) = await RunAsync(string.Empty, planPath: _temp.Combine("missing.json"));

        Assert.Equal(1, exit);
        Assert.StartsWith("task-exec-kit: error: ", error, StringComparison.Ordinal);
        Assert.Contains("missing.json", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MalformedPlan_ExitsOneNamingTheLine()
    {
        var (exit, _, error) = await RunAsync("{\n  \"version\": 2,\n  \"queues\": [ { \"id\": }\n}");

        Assert.Equal(1, exit);
        Assert.Contains("plan.json:3:", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownAgent_ExitsOneBeforeRunning()
    {
        const string plan = """{ "version": 2, "queues": [ { "name": "Q", "tasks": [ { "id": "a", "title": "A", "agent": "nobody" } ] } ] }""";

        var (exit, _, error) = await RunAsync(plan);

        Assert.Equal(1, exit);
        Assert.Contains("nobody", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("runs")));
    }

    [Fact]
    public async Task Run_BadGrant_ExitsOne()
    {
        var (exit, _, error) = await RunAsync(Good, ["bogus"]);

        Assert.Equal(1, exit);
        Assert.Contains("--grant 'bogus'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Interrupted_Exits130()
    {
        const string plan = """{ "version": 2, "queues": [ { "name": "Q", "tasks": [ { "id": "s", "title": "S", "run": ["sleep", "30"] } ] } ] }""";
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var (exit, _, _) = await RunAsync(plan, ["process:sleep", "fs.read:/"], cancellationToken: cts.Token);

        Assert.Equal(130, exit);
    }

    [Fact]
    public async Task Run_RunsFolderCannotBeCreated_ExitsOneNamingThePath()
    {
        string blocker = _temp.WriteFile("runs-is-a-file");
        var output = new StringWriter();
        var error = new StringWriter();
        var options = new RunOptions(_temp.WriteFile("plan.json", Good), 2, DryRun: false, FailFast: false, _temp.Combine("config"), ConfigGiven: false, Path.Combine(blocker, "runs"), []);

        int exit = await RunCommand.RunAsync(options, output, error, interactive: false, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Contains("runs-is-a-file", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WithoutPlan_IsAnError()
    {
        var result = RunCommand.Create().Parse([]);

        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public async Task Run_ConfigFolderGrants_LetATaskRunWithoutGrantFlags()
    {
        const string plan = """{ "version": 2, "queues": [ { "name": "Q", "tasks": [ { "id": "e", "title": "E", "agent": "shell", "run": ["echo", "hi"] } ] } ] }""";
        _temp.WriteFile("config/safety.toml", "[grants]\nprocess = [\"echo\"]\n");
        _temp.WriteFile("config/core.toml", $"runs_dir = \"{_temp.Combine("evidence").Replace("\\", "/", StringComparison.Ordinal)}\"\n");
        string path = _temp.WriteFile("plan.json", plan);
        var output = new StringWriter();
        var error = new StringWriter();

        int exit = await RunCommand.RunAsync(new RunOptions(path, 1, false, false, _temp.Combine("config"), true, null, []), output, error, interactive: false, CancellationToken.None);

        Assert.True(exit == 0, output.ToString() + error);
        Assert.Single(Directory.GetDirectories(_temp.Combine("evidence")));
    }

    [Fact]
    public async Task Run_WithoutTheConfigGrant_IsDenied()
    {
        const string plan = """{ "version": 2, "queues": [ { "name": "Q", "tasks": [ { "id": "e", "title": "E", "agent": "shell", "run": ["echo", "hi"] } ] } ] }""";

        var (exit, output, _) = await RunAsync(plan);

        Assert.Equal(2, exit);
        Assert.Contains("denied", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadGrantInSafetyToml_ExitsOneNamingTheFile()
    {
        _temp.WriteFile("config/safety.toml", "[grants]\nnet = [\"host:http\"]\n");
        string path = _temp.WriteFile("plan.json", Good);
        var output = new StringWriter();
        var error = new StringWriter();

        int exit = await RunCommand.RunAsync(new RunOptions(path, 1, false, false, _temp.Combine("config"), true, _temp.Combine("runs"), []), output, error, interactive: false, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Contains("safety.toml", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("not an effect", error.ToString(), StringComparison.Ordinal);
    }
}
