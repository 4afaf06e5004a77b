using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using TaskExecKit.Effects;

namespace TaskExecKit.Agents;

/// <summary>
/// The <c>shell</c> agent: runs the task's commands one after another, each as an argument vector
/// (never through <c>sh -c</c>; a shell runs only when the policy grants the shell itself as a
/// <c>process:</c>). Before a command starts, its working directory must be the run's working
/// directory or be granted (<c>fs.read:</c> or <c>fs.write:</c>), and its program must be granted (<c>process:</c>). The
/// command gets the runner's environment minus every variable whose name looks like a secret
/// (contains KEY, SECRET, TOKEN, PASSWORD, PASSWD or CREDENTIAL) unless <c>env:NAME</c> grants it;
/// its output goes to the task's log up to a cap; on timeout or cancellation the whole process
/// tree is killed. A non-zero exit fails the task; exit code 75 (EX_TEMPFAIL) marks the failure
/// transient so the task's retries apply.
/// </summary>
public sealed class ShellAgent : ITaskAgent
{
    /// <summary>The exit code that tells the runner to try again later (EX_TEMPFAIL from sysexits.h).</summary>
    internal const int TransientExitCode = 75;

    private const int NotFoundExitCode = 127;
    private static readonly TimeSpan OutputGracePeriod = TimeSpan.FromSeconds(2);
    private readonly ShellAgentOptions _options;

    /// <summary>Creates the agent.</summary>
    /// <param name="options">Log cap, resource limits and sandbox; defaults when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public ShellAgent(ShellAgentOptions? options = null)
    {
        options ??= new ShellAgentOptions();
        options.Validate();
        _options = new ShellAgentOptions
        {
            MaxLogBytes = options.MaxLogBytes,
            CpuTimeLimit = options.CpuTimeLimit,
            MemoryLimitBytes = options.MemoryLimitBytes,
            OpenFilesLimit = options.OpenFilesLimit,
            ProcessLimit = options.ProcessLimit,
            Sandbox = options.Sandbox,
        };
    }

    /// <inheritdoc />
    public async ValueTask<AgentResult> RunAsync(AgentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var log = new CappedLogWriter(context.Log, _options.MaxLogBytes);
        var results = new List<CommandResult>(context.Commands.Count);
        int? lastExit = null;
        foreach (var command in context.Commands)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = Prepare(context, command, out string? problem);
            if (start is null)
            {
                log.WriteLine(problem!);
                results.Add(new CommandResult(command.Argv, command.WorkingDirectory, NotFoundExitCode, TimeSpan.Zero));
                context.RecordCommand(results[^1]);
                return AgentResult.Failure(problem!, NotFoundExitCode, commands: results);
            }

            var result = await RunProcessAsync(context, command, start, log, cancellationToken).ConfigureAwait(false);
            results.Add(result);
            lastExit = result.ExitCode;
            if (result.ExitCode != 0)
            {
                string reason = string.Create(CultureInfo.InvariantCulture, $"command '{command}' exited with code {result.ExitCode}");
                return AgentResult.Failure(reason, result.ExitCode, isTransient: result.ExitCode == TransientExitCode, commands: results);
            }
        }

        return AgentResult.Success(lastExit, results);
    }

    /// <summary>Checks the command against the policy and builds its start info; null with a reason when it cannot start.</summary>
    private ProcessStartInfo? Prepare(AgentContext context, AgentCommand command, out string? problem)
    {
        string? pathVariable = Environment.GetEnvironmentVariable("PATH");
        if (!CommandPreflight.TryAuthorize(context, command, pathVariable, out string workingDirectory, out string executable, out problem))
        {
            return null;
        }

        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (string name in start.Environment.Keys.ToList())
        {
            if (SecretNames.LooksSecret(name) && !context.Policy.GrantsEnvironmentVariable(name))
            {
                start.Environment.Remove(name);
            }
        }

        var argv = new List<string>(command.Argv.Count + 24);
        if (_options.HasResourceLimits)
        {
            argv.Add(RequireTool("prlimit", "resource limits are configured", pathVariable));
            AddLimits(argv);
            argv.Add("--");
        }

        if (_options.Sandbox == ShellSandbox.Bubblewrap)
        {
            argv.Add(RequireTool("bwrap", "the Bubblewrap sandbox is configured", pathVariable));
            AddSandbox(argv, context.Policy, workingDirectory);
        }

        argv.Add(executable);
        for (int i = 1; i < command.Argv.Count; i++)
        {
            argv.Add(command.Argv[i]);
        }

        start.FileName = argv[0];
        for (int i = 1; i < argv.Count; i++)
        {
            start.ArgumentList.Add(argv[i]);
        }

        return start;
    }

    private void AddLimits(List<string> argv)
    {
        if (_options.CpuTimeLimit is { } cpu)
        {
            argv.Add(string.Create(CultureInfo.InvariantCulture, $"--cpu={(long)Math.Ceiling(cpu.TotalSeconds)}"));
        }

        if (_options.MemoryLimitBytes is { } memory)
        {
            argv.Add(string.Create(CultureInfo.InvariantCulture, $"--as={memory}"));
        }

        if (_options.OpenFilesLimit is { } files)
        {
            argv.Add(string.Create(CultureInfo.InvariantCulture, $"--nofile={files}"));
        }

        if (_options.ProcessLimit is { } processes)
        {
            argv.Add(string.Create(CultureInfo.InvariantCulture, $"--nproc={processes}"));
        }
    }

    private static void AddSandbox(List<string> argv, EffectPolicy policy, string workingDirectory)
    {
        argv.AddRange(["--die-with-parent", "--new-session", "--unshare-all"]);
        if (policy.GrantsNetwork)
        {
            argv.Add("--share-net");
        }

        argv.AddRange(["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]);

        // The private /tmp hides whatever the host has there: bring back, read-only, the working
        // directory and the granted read trees that live under it (write trees are bound below).
        foreach (string root in policy.ReadRoots.Append(workingDirectory).Distinct(StringComparer.Ordinal))
        {
            if (IsUnder(root, "/tmp") && Directory.Exists(root))
            {
                argv.AddRange(["--ro-bind", root, root]);
            }
        }

        foreach (string root in policy.WriteRoots)
        {
            if (Directory.Exists(root))
            {
                argv.AddRange(["--bind", root, root]);
            }
        }

        argv.AddRange(["--chdir", workingDirectory, "--"]);
    }

    private static bool IsUnder(string path, string root)
        => path.Length > root.Length && path.StartsWith(root, StringComparison.Ordinal) && path[root.Length] == '/';

    private static string RequireTool(string tool, string why, string? pathVariable)
        => ExecutableResolver.Resolve(tool, "/", pathVariable)
            ?? throw new SandboxUnavailableException($"{why}, but {tool} is not installed on this machine (not found on PATH), so the command was not started. Install it or remove the setting.");

    private static async Task<CommandResult> RunProcessAsync(AgentContext context, AgentCommand command, ProcessStartInfo start, CappedLogWriter log, CancellationToken cancellationToken)
    {
        log.WriteLine($"$ {command}  (in {start.WorkingDirectory})");
        long started = context.TimeProvider.GetTimestamp();
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            string reason = $"command '{command}' could not start: {ex.Message}";
            log.WriteLine(reason);
            var failed = new CommandResult(command.Argv, start.WorkingDirectory, NotFoundExitCode, TimeSpan.Zero);
            context.RecordCommand(failed);
            throw new CommandStartException(reason, ex);
        }

        process.StandardInput.Close();
        var stdout = PumpAsync(process.StandardOutput, log);
        var stderr = PumpAsync(process.StandardError, log);
        bool cancelled = false;
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
            KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(OutputGracePeriod, context.TimeProvider, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            log.WriteLine("[the command exited but something it started still holds its output open; stopped reading]");
        }

        var elapsed = context.TimeProvider.GetElapsedTime(started);
        int exitCode = process.ExitCode;
        log.WriteLine(cancelled
            ? string.Create(CultureInfo.InvariantCulture, $"[killed with its process tree after {elapsed.TotalMilliseconds:F0} ms: the attempt was cancelled or timed out]")
            : string.Create(CultureInfo.InvariantCulture, $"[exit code {exitCode} after {elapsed.TotalMilliseconds:F0} ms]"));
        var result = new CommandResult(command.Argv, start.WorkingDirectory, exitCode, elapsed);
        context.RecordCommand(result);
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the cancellation and the kill.
        }
    }

    private static async Task PumpAsync(StreamReader reader, CappedLogWriter log)
    {
        char[] buffer = ArrayPool<char>.Shared.Rent(4096);
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                log.Write(buffer.AsSpan(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe was closed under us after the grace period; what was read is logged.
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }
}
