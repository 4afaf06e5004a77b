using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using TaskExecKit.AI;
using TaskExecKit.Configuration;

namespace TaskExecKit.Cli.Commands;

/// <summary>
/// <c>task-exec-kit ai configure|test|tools list</c>: write <c>ai.toml</c> (never a key), try one round trip with a
/// provider, and list the tools an AI agent has. The provider packages are referenced, so every provider works here.
/// </summary>
internal static class AICommand
{
    private static readonly string[] ProviderNames = ["anthropic", "openai", "ollama", "offline"];

    /// <summary>The built-in tools, the capability each needs, and the [grants] list that grants it.</summary>
    private static readonly (string Name, string Needs, string GrantList, string Does)[] BuiltInTools =
    [
        ("shell_run", "process:<command>", "process", "runs a program with an argv list (ShellTool)"),
        ("file_read", "fs.read:<path>", "fs_read", "reads a text file (FileTool)"),
        ("file_write", "fs.write:<path>", "fs_write", "replaces a file's content (FileTool)"),
        ("file_list", "fs.read:<dir>", "fs_read", "lists a directory (FileTool)"),
    ];

    internal static Command Create()
    {
        var command = new Command("ai", "Configure and check the AI provider, and list the tools an AI agent may use.");
        command.Subcommands.Add(CreateConfigure());
        command.Subcommands.Add(CreateTest());
        var tools = new Command("tools", "The tools an AI agent is offered.");
        tools.Subcommands.Add(CreateToolsList());
        command.Subcommands.Add(tools);
        return command;
    }

    private static Option<DirectoryInfo> ConfigOption() =>
        new("--config") { Description = "The configuration folder holding ai.toml (and safety.toml).", DefaultValueFactory = _ => new DirectoryInfo("config") };

    private static Option<string> ProviderOption(bool required)
    {
        var option = new Option<string>("--provider") { Description = "anthropic, openai (or any OpenAI-compatible server), ollama or offline.", Required = required };
        option.AcceptOnlyFromAmong(ProviderNames);
        return option;
    }

    private static Command CreateConfigure()
    {
        var provider = ProviderOption(required: true);
        var model = new Option<string?>("--model") { Description = "The model to ask for, e.g. claude-sonnet-4-5." };
        var fallback = new Option<string[]>("--fallback") { Description = "Providers to ask, in order, when the first fails transiently, e.g. --fallback openai offline.", AllowMultipleArgumentsPerToken = true };
        var endpoint = new Option<string?>("--endpoint") { Description = "The provider's address (OpenAI-compatible servers: include /v1)." };
        var config = ConfigOption();
        var command = new Command("configure", "Write ai.toml: provider, model, fallback and endpoint. The API key is never written: it stays in the environment.") { provider, model, fallback, endpoint, config };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(
                () => ConfigureAsync(parse.GetRequiredValue(provider), parse.GetValue(model), parse.GetValue(fallback) ?? [], parse.GetValue(endpoint), parse.GetRequiredValue(config), stdout, cancellationToken),
                stderr);
        });
        return command;
    }

    private static Command CreateTest()
    {
        var provider = ProviderOption(required: false);
        var model = new Option<string?>("--model") { Description = "The model to ask for (the configured one, or the provider's default)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "The provider's address, overriding ai.toml and the environment." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the answer.", DefaultValueFactory = _ => 30 };
        var config = ConfigOption();
        var command = new Command("test", "Send one short prompt and print which provider answered, the latency and the tokens. Without --provider, tries the configured chain.") { provider, model, endpoint, timeout, config };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(
                () => TestAsync(parse.GetValue(provider), parse.GetValue(model), parse.GetValue(endpoint), parse.GetValue(timeout), parse.GetRequiredValue(config), stdout, stderr, cancellationToken),
                stderr);
        });
        return command;
    }

    private static Command CreateToolsList()
    {
        var available = new Option<bool>("--available") { Description = "Only the tools safety.toml's [grants] let an agent use." };
        var config = ConfigOption();
        var command = new Command("list", "List the built-in tools, the effect each needs, and what the configuration grants.") { available, config };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            return CliErrors.GuardAsync(() => ToolsListAsync(parse.GetValue(available), parse.GetRequiredValue(config), stdout), stderr);
        });
        return command;
    }

    internal static async Task<int> ConfigureAsync(string provider, string? model, string[] fallback, string? endpoint, DirectoryInfo config, TextWriter stdout, CancellationToken cancellationToken)
    {
        string[] chain = [.. fallback.SelectMany(f => f.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        if (chain.FirstOrDefault(f => !ProviderNames.Contains(f, StringComparer.Ordinal)) is { } bad)
        {
            throw new ArgumentException($"--fallback: '{bad}' is not a provider; use {string.Join(", ", ProviderNames)}.");
        }

        if (endpoint is not null && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.UserInfo.Length > 0))
        {
            throw new ArgumentException("--endpoint must be an http or https address without credentials in it.");
        }

        // Keys the command does not manage (timeout, max_iterations, ...) are kept as they were, and so are the
        // tables ([providers.<name>], [prices."p/m"]): only top-level keys are replaced, and written before the first table.
        string path = Path.Combine(config.FullName, "ai.toml");
        string[] managed = ["provider", "model", "fallback", "endpoint"];
        List<string> lines = File.Exists(path)
            ? [.. await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false)]
            : ["# AI provider settings (ai configure). API keys never go in this file: they come from the environment."];
        int firstTable = lines.FindIndex(line => line.TrimStart().StartsWith('['));
        List<string> tables = firstTable < 0 ? [] : lines[firstTable..];
        var kept = (firstTable < 0 ? lines : lines[..firstTable]).Where(line => !managed.Any(key => IsKey(line, key))).ToList();
        while (kept.Count > 0 && kept[^1].Trim().Length == 0)
        {
            kept.RemoveAt(kept.Count - 1);
        }

        var text = new StringBuilder();
        foreach (string line in kept)
        {
            text.Append(line).Append('\n');
        }

        text.Append(CultureInfo.InvariantCulture, $"provider = \"{provider}\"\n");
        if (model is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"model = \"{Escape(model)}\"\n");
        }

        if (chain.Length > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"fallback = [{string.Join(", ", chain.Select(c => $"\"{c}\""))}]\n");
        }

        if (endpoint is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"endpoint = \"{Escape(endpoint)}\"\n");
        }

        if (tables.Count > 0)
        {
            text.Append('\n');
            foreach (string line in tables)
            {
                text.Append(line).Append('\n');
            }
        }

        Directory.CreateDirectory(config.FullName);
        await File.WriteAllTextAsync(path, text.ToString(), cancellationToken).ConfigureAwait(false);
        EngineConfig.Load(config.FullName); // What was written must load; a mistake surfaces here, naming the line.

        await stdout.WriteLineAsync($"Wrote {path}: provider = {provider}{(model is null ? string.Empty : $", model = {model}")}{(chain.Length > 0 ? $", fallback = {string.Join(" → ", chain)}" : string.Empty)}.").ConfigureAwait(false);
        foreach (string name in new[] { provider }.Concat(chain).Distinct())
        {
            if (KeyVariable(name) is { } variable)
            {
                await stdout.WriteLineAsync($"The {name} key is not in the file: set {variable} in the environment (or your secret store) where the agent runs.").ConfigureAwait(false);
            }
        }

        return CliErrors.Ok;
    }

    internal static async Task<int> TestAsync(string? provider, string? model, string? endpoint, int timeoutSeconds, DirectoryInfo config, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (timeoutSeconds < 1)
        {
            throw new ArgumentException($"--timeout must be at least 1 second, not {timeoutSeconds}.");
        }

        var timeout = TimeSpan.FromSeconds(timeoutSeconds);
        var builder = AIAgent.Builder();
        if (File.Exists(Path.Combine(config.FullName, "ai.toml")))
        {
            builder.Configure(EngineConfig.Load(config.FullName).AI);
        }
        else if (provider is null)
        {
            throw new ArgumentException($"No {Path.Combine(config.Name, "ai.toml")} to read the provider from; pass --provider, or run 'task-exec-kit ai configure'.");
        }

        if (provider is not null)
        {
            // One provider, on its own: no fallback hides whether it works.
            builder.Provider(Parse(provider)).Fallback();
        }

        if (model is not null)
        {
            builder.Model(model);
        }

        if (endpoint is not null)
        {
            builder.Endpoint(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri : throw new ArgumentException("--endpoint must be an absolute http or https address."));
        }

        AIAgent agent = builder
            .MaxIterations(1)
            .RequestTimeout(timeout + timeout)
            .ProviderResilience(AIProviderResilience.Default with { MaxRetries = 0, AttemptTimeout = timeout })
            .Build();
        foreach (var skipped in agent.SkippedProviders)
        {
            await stdout.WriteLineAsync($"skipped: {skipped.Provider.ToString().ToLowerInvariant()}: {skipped.Reason}").ConfigureAwait(false);
        }

        long start = Stopwatch.GetTimestamp();
        AgentResponse response;
        try
        {
            response = await agent.RunAsync("Reply with the single word: pong", cancellationToken).ConfigureAwait(false);
        }
        catch (AIProviderException ex)
        {
            string where = ex.StatusCode is null
                ? " Check that the server is running and that the address is right (--endpoint, ai.toml's endpoint, or the provider's environment variable: ANTHROPIC_BASE_URL, OPENAI_BASE_URL, OLLAMA_HOST), and that this machine may reach it."
                : ex.StatusCode is 401 or 403 ? " Check the key in the provider's environment variable." : string.Empty;
            await stderr.WriteLineAsync($"task-exec-kit: ai test: {string.Join(" → ", agent.ProviderChain)} did not answer. {ex.Message}{where}").ConfigureAwait(false);
            return CliErrors.TaskFailed;
        }
        catch (TimeoutException ex)
        {
            await stderr.WriteLineAsync($"task-exec-kit: ai test: {string.Join(" → ", agent.ProviderChain)} did not answer within {timeoutSeconds} s. {ex.Message}").ConfigureAwait(false);
            return CliErrors.TaskFailed;
        }

        TimeSpan latency = Stopwatch.GetElapsedTime(start);
        await stdout.WriteLineAsync($"provider: {response.Provider}").ConfigureAwait(false);
        await stdout.WriteLineAsync($"model:    {response.Model}").ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"latency:  {latency.TotalMilliseconds:0} ms")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"tokens:   {response.Usage.InputTokens} in, {response.Usage.OutputTokens} out")).ConfigureAwait(false);
        await stdout.WriteLineAsync(response.Usage.CostEstimate is { } cost
            ? string.Create(CultureInfo.InvariantCulture, $"cost:     ~{cost:0.########} (estimate from the price table)")
            : $"cost:     unknown: no price for {response.Provider}/{response.Model} (add [prices.\"{response.Provider}/{response.Model}\"] to ai.toml)").ConfigureAwait(false);
        string answer = response.Text.ReplaceLineEndings(" ");
        await stdout.WriteLineAsync($"answer:   {(answer.Length > 200 ? answer[..200] + "…" : answer)}").ConfigureAwait(false);
        return CliErrors.Ok;
    }

    internal static async Task<int> ToolsListAsync(bool availableOnly, DirectoryInfo config, TextWriter stdout)
    {
        var grants = config.Exists ? EngineConfig.Load(config.FullName).Safety.Grants : EngineConfig.Default.Safety.Grants;
        var rows = BuiltInTools
            .Select(t => (t.Name, t.Needs, t.Does, Granted: GrantList(grants, t.GrantList)))
            .Where(t => !availableOnly || t.Granted.Count > 0)
            .ToList();
        if (rows.Count == 0)
        {
            await stdout.WriteLineAsync("No tool is available: safety.toml's [grants] grants none of process, fs_read, fs_write. Everything is denied by default.").ConfigureAwait(false);
            return CliErrors.Ok;
        }

        await stdout.WriteLineAsync($"{"tool",-11} {"needs",-18} {"granted",-24} does").ConfigureAwait(false);
        foreach (var (name, needs, does, granted) in rows)
        {
            string list = granted.Count == 0 ? "(nothing: denied)" : string.Join(", ", granted);
            await stdout.WriteLineAsync($"{name,-11} {needs,-18} {list,-24} {does}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync("Your own functions (AIFunctionFactory) need tool:<name>; a call that is not granted is answered with a denial and does not run.").ConfigureAwait(false);
        return CliErrors.Ok;
    }

    private static IReadOnlyList<string> GrantList(SafetyGrants grants, string list) => list switch
    {
        "process" => grants.Process,
        "fs_read" => grants.FileSystemRead,
        _ => grants.FileSystemWrite,
    };

    private static AIProvider Parse(string name) => name switch
    {
        "anthropic" => AIProvider.Anthropic,
        "openai" => AIProvider.OpenAI,
        "ollama" => AIProvider.Ollama,
        _ => AIProvider.Offline,
    };

    private static string? KeyVariable(string provider) => provider switch
    {
        "anthropic" => "ANTHROPIC_API_KEY",
        "openai" => "OPENAI_API_KEY",
        _ => null,
    };

    private static bool IsKey(string line, string key)
    {
        string trimmed = line.TrimStart();
        return trimmed.StartsWith(key, StringComparison.Ordinal) && trimmed[key.Length..].TrimStart().StartsWith('=');
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
