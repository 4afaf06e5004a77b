using TaskExecKit.Configuration;

namespace TaskExecKit.Tests.Configuration;

public sealed class EngineConfigTests
{
    private static readonly Dictionary<string, string> NoVariables = [];

    private static EngineConfigLoadOptions Options(string? environment = null, Dictionary<string, string>? variables = null) =>
        new() { Environment = environment, EnvironmentVariables = variables ?? NoVariables };

    [Fact]
    public void Default_WithNoFiles_HasDocumentedDefaults()
    {
        var config = EngineConfig.Default;

        Assert.Equal(Environment.ProcessorCount, config.Core.MaxWorkers);
        Assert.Equal(TimeSpan.FromMinutes(10), config.Core.DefaultTimeout);
        Assert.Equal(0, config.Core.DefaultRetries);
        Assert.Equal("runs", config.Core.RunsDirectory);
        Assert.Equal("runtime", config.Core.RuntimeDirectory);
        Assert.False(config.Core.FailFast);
        Assert.False(config.Core.DryRun);
        Assert.Equal(100, config.Autonomous.Limits.MaxIterations);
        Assert.Equal(0.5, config.Autonomous.Limits.MaxErrorRate);
        Assert.Equal("offline", config.AI.Provider);
        Assert.Empty(config.AI.Fallback);
        Assert.Empty(config.Agents);
        Assert.Equal(TelemetryStorage.Sqlite, config.Telemetry.Storage);
        Assert.False(config.Telemetry.CapturePrompts);
        Assert.Equal("runtime/state/KILL", config.Safety.KillSwitchFile);
        Assert.Empty(config.Safety.Grants.Process);
        Assert.Null(config.Environment);
        Assert.Empty(config.Sources);
    }

    [Fact]
    public void Default_ReturnsIndependentInstances()
    {
        Assert.NotSame(EngineConfig.Default, EngineConfig.Default);
    }

    [Fact]
    public void Load_EmptyDirectory_GivesDefaults()
    {
        using var dir = new TempConfigDirectory();

        var config = EngineConfig.Load(dir.Path, Options());

        Assert.Equal(Environment.ProcessorCount, config.Core.MaxWorkers);
        Assert.Empty(config.Sources);
    }

    [Fact]
    public void Load_Directory_ReadsEverySectionFileAndAgents()
    {
        using var dir = new TempConfigDirectory();
        var core = dir.Write("core.toml", "max_workers = 3\ndefault_timeout = \"250ms\"\nfail_fast = true\n");
        dir.Write("autonomous.toml", "cycle_interval = \"1s\"\n[limits]\nmax_iterations = 7\nmax_cost = 2.5\nmax_error_rate = 0.1\n");
        dir.Write("ai.toml", "provider = \"openai\"\nmodel = \"gpt\"\nfallback = [\"ollama\", \"offline\"]\nendpoint = \"http://127.0.0.1:9/v1\"\n");
        dir.Write("telemetry.toml", "storage = \"memory\"\nretention = \"24h\"\n[alerts]\np95_latency = \"2s\"\n");
        dir.Write("safety.toml", "require_approval = true\n[grants]\nprocess = [\"git\"]\nfs_write = [\"runs/**\"]\n");
        var agent = dir.Write("agents/builder.toml", "kind = \"shell\"\npool_size = 4\n[settings]\nshell = \"/bin/bash\"\n");

        var config = EngineConfig.Load(dir.Path, Options());

        Assert.Equal(3, config.Core.MaxWorkers);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.Core.DefaultTimeout);
        Assert.True(config.Core.FailFast);
        Assert.Equal(TimeSpan.FromSeconds(1), config.Autonomous.CycleInterval);
        Assert.Equal(7, config.Autonomous.Limits.MaxIterations);
        Assert.Equal(2.5m, config.Autonomous.Limits.MaxCost);
        Assert.Equal(0.1, config.Autonomous.Limits.MaxErrorRate);
        Assert.Equal("openai", config.AI.Provider);
        Assert.Equal("gpt", config.AI.Model);
        Assert.Equal(["ollama", "offline"], config.AI.Fallback);
        Assert.Equal(new Uri("http://127.0.0.1:9/v1"), config.AI.Endpoint);
        Assert.Equal(TelemetryStorage.Memory, config.Telemetry.Storage);
        Assert.Equal(TimeSpan.FromHours(24), config.Telemetry.Retention);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Telemetry.Alerts.P95Latency);
        Assert.True(config.Safety.RequireApproval);
        Assert.Equal(["git"], config.Safety.Grants.Process);
        Assert.Equal(["runs/**"], config.Safety.Grants.FileSystemWrite);
        var builder = config.Agents["builder"];
        Assert.Equal("builder", builder.Name);
        Assert.Equal("shell", builder.Kind);
        Assert.Equal(4, builder.PoolSize);
        Assert.Null(builder.Timeout);
        Assert.Equal("/bin/bash", builder.Settings["shell"]);
        Assert.Equal(6, config.Sources.Count);
        Assert.Equal(core, config.Sources[0]);
        Assert.Contains(agent, config.Sources);
    }

    [Fact]
    public void Load_SingleFile_ReadsSectionTables()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("engine.toml", """
            [core]
            max_workers = 5

            [autonomous.limits]
            max_tasks = 9

            [ai]
            provider = "anthropic"

            [agents.reviewer]
            kind = "ai"
            timeout = "90s"

            [telemetry]
            enabled = false

            [safety.grants]
            net = ["api.example.com"]
            """);

        var config = EngineConfig.Load(file, Options());

        Assert.Equal(5, config.Core.MaxWorkers);
        Assert.Equal(9, config.Autonomous.Limits.MaxTasks);
        Assert.Equal("anthropic", config.AI.Provider);
        Assert.Equal("ai", config.Agents["reviewer"].Kind);
        Assert.Equal(TimeSpan.FromSeconds(90), config.Agents["reviewer"].Timeout);
        Assert.False(config.Telemetry.Enabled);
        Assert.Equal(["api.example.com"], config.Safety.Grants.Network);
        Assert.Equal([file], config.Sources);
    }

    [Fact]
    public void Load_SingleSectionFile_TreatsTopLevelKeysAsThatSection()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("core.toml", "max_workers = 6\n");

        var config = EngineConfig.Load(file, Options());

        Assert.Equal(6, config.Core.MaxWorkers);
    }

    [Fact]
    public void Load_Overrides_ApplyInOrderFileThenEnvironmentFileThenVariables()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("core.toml", "max_workers = 2\ndefault_retries = 1\nruns_dir = \"from-file\"\n");
        dir.Write("agents/shell.toml", "pool_size = 2\n");
        var envFile = dir.Write("environments/staging.toml", "[core]\nmax_workers = 3\ndefault_retries = 2\n[agents.shell]\npool_size = 3\n");
        var variables = new Dictionary<string, string>
        {
            ["TASKEXECKIT__CORE__MAX_WORKERS"] = "8",
            ["taskexeckit__autonomous__limits__max_iterations"] = "3",
            ["TASKEXECKIT__AGENTS__SHELL__TIMEOUT"] = "45s",
            ["TASKEXECKIT__AI__FALLBACK"] = "openai, offline",
            ["UNRELATED"] = "x",
        };

        var config = EngineConfig.Load(dir.Path, Options("staging", variables));

        Assert.Equal(8, config.Core.MaxWorkers);
        Assert.Equal(2, config.Core.DefaultRetries);
        Assert.Equal("from-file", config.Core.RunsDirectory);
        Assert.Equal(3, config.Autonomous.Limits.MaxIterations);
        Assert.Equal(3, config.Agents["shell"].PoolSize);
        Assert.Equal(TimeSpan.FromSeconds(45), config.Agents["shell"].Timeout);
        Assert.Equal(["openai", "offline"], config.AI.Fallback);
        Assert.Equal("staging", config.Environment);
        Assert.Equal(envFile, config.Sources[^1]);
    }

    [Fact]
    public void Load_EnvironmentVariable_ChoosesTheEnvironment()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("environments/production.toml", "[core]\ndry_run = true\n");

        var config = EngineConfig.Load(dir.Path, Options(variables: new() { ["TASKEXECKIT_ENVIRONMENT"] = "production" }));

        Assert.Equal("production", config.Environment);
        Assert.True(config.Core.DryRun);
    }

    [Fact]
    public void Load_OptionEnvironment_WinsOverTheVariable()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("environments/a.toml", "[core]\nmax_workers = 11\n");
        dir.Write("environments/b.toml", "[core]\nmax_workers = 12\n");

        var config = EngineConfig.Load(dir.Path, Options("a", new() { ["TASKEXECKIT_ENVIRONMENT"] = "b" }));

        Assert.Equal(11, config.Core.MaxWorkers);
    }

    [Fact]
    public void Load_NamedEnvironmentWithoutFile_Throws()
    {
        using var dir = new TempConfigDirectory();

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options("staging")));

        Assert.Contains("staging", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith(Path.Combine("environments", "staging.toml"), ex.File, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownKey_NamesFileLineAndKey()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("core.toml", "# comment\nmax_workers = 2\nmax_wrokers = 3\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal(file, ex.File);
        Assert.Equal(3, ex.Line);
        Assert.Equal(1, ex.Column);
        Assert.Equal("core.max_wrokers", ex.Key);
        Assert.StartsWith($"{file}:3:1: unknown key 'max_wrokers' in [core] (did you mean 'max_workers'?); known keys: max_workers, default_timeout", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Load_SectionHeaderInSectionFile_ExplainsTheLayout()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("core.toml", "[core]\nmax_workers = 2\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal("core.core", ex.Key);
        Assert.Contains("without a [core] header", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongType_NamesFileLineColumnAndKey()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("autonomous.toml", "[limits]\n  max_iterations = \"many\"\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal(file, ex.File);
        Assert.Equal(2, ex.Line);
        Assert.Equal(3, ex.Column);
        Assert.Equal("autonomous.limits.max_iterations", ex.Key);
        Assert.Contains("must be an integer, but it is a string", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OutOfRangeValues_AreAllReportedTogether()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("core.toml", "max_workers = 0\ndefault_retries = -1\ndefault_timeout = \"5x\"\n");
        dir.Write("autonomous.toml", "[limits]\nmax_error_rate = 1.5\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal(4, ex.Problems.Count);
        Assert.Equal(["core.max_workers", "core.default_retries", "core.default_timeout", "autonomous.limits.max_error_rate"], ex.Problems.Select(p => p.Key));
        Assert.Contains("'5x' is not one", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("The configuration has 4 problems: (1) ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MalformedToml_NamesFileLineAndColumn()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("telemetry.toml", "enabled = true\n[alerts\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal(file, ex.File);
        Assert.Equal(2, ex.Line);
        Assert.True(ex.Column > 0);
        Assert.Null(ex.Key);
        Assert.StartsWith($"{file}:2:", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api_key = \"sk-ant-SUPERSECRET\"\n")]
    [InlineData("openai_token = \"sk-ant-SUPERSECRET\"\n")]
    [InlineData("[extra]\npassword = \"sk-ant-SUPERSECRET\"\n")]
    [InlineData("api_key = sk-ant-SUPERSECRET\n")]
    [InlineData("api_key = \"sk-ant-SUPERSECRET\n")]
    public void Load_SecretInAiToml_IsRejectedWithoutEchoingTheValue(string text)
    {
        using var dir = new TempConfigDirectory();
        dir.Write("ai.toml", "provider = \"anthropic\"\n" + text);

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.DoesNotContain("SUPERSECRET", ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ex.Problems, p => p.Message.Contains("SUPERSECRET", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ApiKeyInAiToml_SaysToUseTheEnvironment()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("ai.toml", "api_key = \"sk-ant-SUPERSECRET\"\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal(file, ex.File);
        Assert.Equal(1, ex.Line);
        Assert.Equal("ai.api_key", ex.Key);
        Assert.Contains("looks like a secret", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ANTHROPIC_API_KEY", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SecretInAgentSettings_IsRejected()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("agents/bot.toml", "[settings]\nslack_token = \"xoxb-SUPERSECRET\"\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal("agents.bot.settings.slack_token", ex.Key);
        Assert.DoesNotContain("SUPERSECRET", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadEnvironmentVariable_NamesTheVariable()
    {
        using var dir = new TempConfigDirectory();
        var variables = new Dictionary<string, string> { ["TASKEXECKIT__CORE__MAX_WORKERS"] = "lots" };

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options(variables: variables)));

        Assert.Null(ex.File);
        Assert.Equal("TASKEXECKIT__CORE__MAX_WORKERS", ex.Key);
        Assert.StartsWith("environment variable TASKEXECKIT__CORE__MAX_WORKERS: 'max_workers' in [core] must be an integer", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TASKEXECKIT__AI__API_KEY")]
    [InlineData("TASKEXECKIT__AI__SECRET")]
    public void Load_SecretLookingVariable_IsRejectedWithoutItsValue(string name)
    {
        using var dir = new TempConfigDirectory();
        var variables = new Dictionary<string, string> { [name] = "sk-SUPERSECRET" };

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options(variables: variables)));

        Assert.Equal(name, ex.Key);
        Assert.DoesNotContain("SUPERSECRET", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TASKEXECKIT__CORE__NOPE")]
    [InlineData("TASKEXECKIT__CORE")]
    [InlineData("TASKEXECKIT__CORE____MAX_WORKERS")]
    public void Load_MalformedOrUnknownVariable_Throws(string name)
    {
        using var dir = new TempConfigDirectory();

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options(variables: new() { [name] = "1" })));

        Assert.Equal(name, ex.Key);
    }

    [Fact]
    public void Load_SingleFile_AppliesTheEnvironmentFileNextToIt()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("engine.toml", "[core]\nmax_workers = 5\nfail_fast = true\n");
        var envFile = dir.Write("environments/ci.toml", "[core]\nmax_workers = 1\n");

        var config = EngineConfig.Load(file, Options("ci"));

        Assert.Equal(1, config.Core.MaxWorkers);
        Assert.True(config.Core.FailFast);
        Assert.Equal([file, envFile], config.Sources);
    }

    [Fact]
    public void Load_ManyProblems_ListsTheFirstFiftyAndCountsTheRest()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("core.toml", string.Concat(Enumerable.Range(0, 60).Select(i => $"unknown_{i} = 1\n")));

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal(51, ex.Problems.Count);
        Assert.Equal("10 more problems were found and not listed", ex.Problems[^1].Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Load_QuotedKeyWithLineBreak_KeepsTheMessageOneParagraph()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("core.toml", "\"max\\nworkers\" = 1\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal(1, ex.Line);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Load_MissingPath_Throws()
    {
        var missing = Path.Combine(Path.GetTempPath(), "tek-missing-" + Guid.NewGuid().ToString("N"));

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(missing, Options()));

        Assert.Equal(missing, ex.File);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownFileInDirectory_Throws()
    {
        using var dir = new TempConfigDirectory();
        var file = dir.Write("autonomus.toml", "");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal(file, ex.File);
        Assert.Contains("unknown configuration file 'autonomus.toml'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EndpointWithCredentials_IsRejectedWithoutEchoingIt()
    {
        using var dir = new TempConfigDirectory();
        dir.Write("ai.toml", "endpoint = \"https://user:hunter2@example.com/v1\"\n");

        var ex = Assert.Throws<ConfigurationException>(() => EngineConfig.Load(dir.Path, Options()));

        Assert.Equal("ai.endpoint", ex.Key);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ShippedSample_Loads()
    {
        var sample = TempConfigDirectory.SampleConfig();

        var config = EngineConfig.Load(sample, Options());
        var development = EngineConfig.Load(sample, Options("development"));

        Assert.Equal(4, config.Core.MaxWorkers);
        Assert.Equal(6, config.Sources.Count);
        Assert.Equal("shell", config.Agents["shell"].Kind);
        Assert.Equal(2, config.Agents["shell"].PoolSize);
        Assert.Equal(["git", "dotnet"], config.Safety.Grants.Process);
        Assert.Equal(2, development.Core.MaxWorkers);
        Assert.Equal(1, development.Agents["shell"].PoolSize);
        Assert.Equal(TelemetryStorage.Memory, development.Telemetry.Storage);
        Assert.Equal("development", development.Environment);
    }
}

public sealed class EngineConfigExecutorTests
{
    [Fact]
    public void SafetyGrants_ToCapabilities_ReadsEachListAsItsKind()
    {
        using var dir = new TempDirectory();
        dir.File("safety.toml", "[grants]\nprocess = [\"git\", \"process:dotnet\"]\nfs_read = [\".\"]\nfs_write = [\"runs\"]\nnet = [\"127.0.0.1:8080\"]\ntool = [\"search\"]\nenv = [\"HOME\"]\n");

        var config = TaskExecKit.Configuration.EngineConfig.Load(dir.Path, new TaskExecKit.Configuration.EngineConfigLoadOptions { EnvironmentVariables = new Dictionary<string, string>() });

        Assert.Equal(
            ["process:git", "process:dotnet", "fs.read:.", "fs.write:runs", "net:127.0.0.1:8080", "tool:search", "env:HOME"],
            config.Safety.Grants.ToCapabilities().Select(c => c.ToString()));
    }

    [Fact]
    public void SafetyGrants_NotAnEffect_IsAConfigurationErrorWithItsLine()
    {
        using var dir = new TempDirectory();
        dir.File("safety.toml", "[grants]\nprocess = [\"git\"]\nnet = [\"host:99999\"]\n");

        var ex = Assert.Throws<TaskExecKit.Configuration.ConfigurationException>(() => TaskExecKit.Configuration.EngineConfig.Load(dir.Path, new TaskExecKit.Configuration.EngineConfigLoadOptions { EnvironmentVariables = new Dictionary<string, string>() }));

        Assert.Equal(3, ex.Line);
        Assert.Contains("not an effect", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configure_AppliesCoreDefaultsAndGrants()
    {
        using var dir = new TempDirectory();
        dir.File("config/core.toml", "max_workers = 1\ndefault_retries = 0\n");
        dir.File("config/safety.toml", "[grants]\nprocess = [\"true\"]\n");
        var config = TaskExecKit.Configuration.EngineConfig.Load(dir.Combine("config"), new TaskExecKit.Configuration.EngineConfigLoadOptions { EnvironmentVariables = new Dictionary<string, string>() });
        var plan = TaskExecKit.Planning.Plan.Builder().Task("t", t => t.Agent("shell").Run("true")).Build();

        await using var executor = TaskExecKit.Execution.TaskExecutor.Builder().Configure(config).RunsDirectory(null).WorkingDirectory(dir.Path).Build();
        var result = await executor.RunAsync(plan, CancellationToken.None);

        Assert.Equal(TaskExecKit.Execution.RunStatus.Succeeded, result.Status);
    }
}
