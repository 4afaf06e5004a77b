namespace TaskExecKit.Tests.Cli;

/// <summary><c>task-exec-kit run</c> with <c>agent: ai</c> tasks: the AI agent of config/ai.toml (offline by default), tools gated by the task's effects.</summary>
public sealed class RunAITaskTests
{
    private static string Sot(string dir, string effects) => $"""
        ## Queue A — Notes
        - [ ] `DOC-1` Summarize the notes
          - agent: ai
          {effects}
          - description: read the file {Path.Combine(dir, "notes.txt")}
        """;

    [Fact]
    public async Task Run_AITaskOnTheOfflineProvider_ReadsTheGrantedFileAndSucceeds()
    {
        using var dir = new TempDirectory();
        dir.File("notes.txt", "two tests fail on Tuesdays");
        dir.File("config/ai.toml", "provider = \"offline\"\n");
        dir.File("sot.md", Sot(dir.Path, $"- effects: fs.read:{dir.Path}"));

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "run", "--plan", "@sot.md", "--config", "@config", "--runs", "@runs", "--runtime", "@runtime");

        Assert.True(code == 0, output + error);
        Assert.Contains("ok        DOC-1", output, StringComparison.Ordinal);
        string log = File.ReadAllText(Directory.GetFiles(dir.Combine("runs"), "DOC-1*.log", SearchOption.AllDirectories).Single());
        Assert.Contains("ai: tool file_read(", log, StringComparison.Ordinal);
        Assert.Contains("Succeeded", log, StringComparison.Ordinal);
        Assert.Contains("two tests fail on Tuesdays", log, StringComparison.Ordinal);
        Assert.Contains("estimated cost 0", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AITaskWithoutTheEffect_IsDeniedAndExitsTwo()
    {
        using var dir = new TempDirectory();
        dir.File("notes.txt", "secret-ish notes");
        dir.CreateDirectory("config");   // no ai.toml: the offline provider
        dir.File("sot.md", Sot(dir.Path, "- timeout: 60s"));

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "run", "--plan", "@sot.md", "--config", "@config", "--runs", "@runs", "--runtime", "@runtime");

        Assert.True(code == 2, output + error);
        Assert.Contains("denied    DOC-1", output, StringComparison.Ordinal);
        Assert.Contains("fs.read:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AITaskWithAProviderThatCannotBeSetUp_ExitsOneNamingAiToml()
    {
        using var dir = new TempDirectory();
        dir.File("config/ai.toml", "provider = \"mystery\"\n");
        dir.File("sot.md", Sot(dir.Path, "- timeout: 60s"));

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "run", "--plan", "@sot.md", "--config", "@config", "--runs", "@runs", "--runtime", "@runtime");

        Assert.True(code == 1, output + error);
        Assert.Contains("ai.toml", error, StringComparison.Ordinal);
        Assert.Contains("'mystery'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ShellOnlyPlanWithAnUnusableAiToml_StillRuns()
    {
        using var dir = new TempDirectory();
        dir.File("config/ai.toml", "provider = \"anthropic\"\n");
        dir.File("sot.md", """
            ## Queue A — Work
            - [ ] `W-1` Nothing to do
              - agent: noop
            """);

        var (code, output, error) = await CliHarness.RunAsync(dir.Path, "run", "--plan", "@sot.md", "--config", "@config", "--runs", "@runs", "--runtime", "@runtime");

        Assert.True(code == 0, output + error);
    }
}
