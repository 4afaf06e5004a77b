namespace TaskExecKit.Tests.Cli;

public sealed class AutonomousCommandTests
{
    private static void WriteConfig(TempDirectory dir, int iterations = 2)
    {
        dir.File("config/autonomous.toml", $"cycle_interval = \"0s\"\n[limits]\nmax_iterations = {iterations}\n");
        dir.File("config/core.toml", $"runtime_dir = \"{dir.Combine("runtime")}\"\nruns_dir = \"{dir.Combine("runs")}\"\n");
        dir.File("config/safety.toml", $"kill_switch_file = \"{dir.Combine("runtime", "state", "KILL")}\"\n");
    }

    [Fact]
    public async Task Start_OfflineSession_StopsAtItsLimit_AndStatusShowsIt()
    {
        using var dir = new TempDirectory();
        WriteConfig(dir);

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "autonomous", "start", "--config", "@config", "--goal", "test goal");
        Assert.True(code == 0, error);
        Assert.Contains("stopped after 2 iteration(s): limit max_iterations reached", output, StringComparison.Ordinal);

        (code, output, error) = await CliHarness.RunAsync(dir.Path, "autonomous", "status", "--detailed", "--config", "@config");
        Assert.True(code == 0, error);
        Assert.Contains("stopped", output, StringComparison.Ordinal);
        Assert.Contains("iteration                  2", output, StringComparison.Ordinal);
        Assert.Contains("max_iterations             2 of 2", output, StringComparison.Ordinal);
        Assert.Contains("iteration 2: run score 1", output, StringComparison.Ordinal);
        Assert.Contains("commanders Default(1/1)", output, StringComparison.Ordinal);
        Assert.Contains("autonomous.start", output, StringComparison.Ordinal);
        Assert.Contains("checkpoints: iter-0001-", output, StringComparison.Ordinal);

        (code, output, _) = await CliHarness.RunAsync(dir.Path, "autonomous", "status", "--json", "--runtime", "@runtime");
        Assert.Equal(0, code);
        Assert.Contains("\"phase\": \"stopped\"", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Kill_ThenStart_RefusedUntilTheFileIsDeleted()
    {
        using var dir = new TempDirectory();
        WriteConfig(dir, iterations: 1);
        var (code, output, _) = await CliHarness.RunAsync(dir.Path, "autonomous", "kill", "--config", "@config", "--reason", "maintenance window");
        Assert.Equal(0, code);
        Assert.Contains("kill switch engaged", output, StringComparison.Ordinal);

        (code, _, string error) = await CliHarness.RunAsync(dir.Path, "autonomous", "start", "--config", "@config");
        Assert.Equal(1, code);
        Assert.Contains("kill switch is engaged", error, StringComparison.Ordinal);
        Assert.Contains("maintenance window", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);

        File.Delete(dir.Combine("runtime", "state", "KILL"));
        (code, _, error) = await CliHarness.RunAsync(dir.Path, "autonomous", "start", "--config", "@config");
        Assert.True(code == 0, error);
    }

    [Fact]
    public async Task ControlCommands_WithNothingToControl_SayWhatToDo()
    {
        using var dir = new TempDirectory();
        var (code, _, error) = await CliHarness.RunAsync(dir.Path, "autonomous", "status", "--runtime", "@runtime");
        Assert.Equal(1, code);
        Assert.Contains("no autonomous engine has run", error, StringComparison.Ordinal);

        (code, string output, _) = await CliHarness.RunAsync(dir.Path, "autonomous", "stop", "--graceful", "--runtime", "@runtime");
        Assert.Equal(0, code);
        Assert.Contains("no autonomous engine is running", output, StringComparison.Ordinal);

        (code, _, error) = await CliHarness.RunAsync(dir.Path, "autonomous", "approve", "nope", "--runtime", "@runtime");
        Assert.Equal(1, code);
        Assert.Contains("No approval 'nope'", error, StringComparison.Ordinal);

        (code, _, error) = await CliHarness.RunAsync(dir.Path, "autonomous", "rollback", "--to", "iter-9", "--runtime", "@runtime");
        Assert.Equal(1, code);
        Assert.Contains("No checkpoint 'iter-9'", error, StringComparison.Ordinal);
    }
}
