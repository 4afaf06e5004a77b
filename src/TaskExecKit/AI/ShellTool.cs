using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using TaskExecKit.Agents;
using TaskExecKit.Effects;

namespace TaskExecKit.AI;

/// <summary>
/// Lets the model run a program: function <c>shell_run</c> with a <c>command</c> (an executable) and
/// its <c>args</c> as a list. There is never a shell: no pipes, globs or expansions. Each call needs
/// <c>process:</c> the executable; the program runs in the policy's base directory, without
/// environment variables that look like secrets, and is killed when its time is up. Output is capped.
/// </summary>
public sealed class ShellTool : AgentTool
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {"type":"object","properties":{"command":{"type":"string","description":"The executable to run, e.g. git."},"args":{"type":"array","items":{"type":"string"},"description":"Its arguments, one per item; no shell syntax."}},"required":["command"]}
        """).RootElement.Clone();

    private readonly TimeSpan _timeout;

    /// <summary>Creates the tool; each program may run for at most one minute.</summary>
    public ShellTool()
        : this(TimeSpan.FromMinutes(1))
    {
    }

    /// <summary>Creates the tool with a time limit for each program.</summary>
    /// <param name="timeout">How long one program may run before it is killed.</param>
    public ShellTool(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _timeout = timeout;
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> FunctionNames { get; } = ["shell_run"];

    internal override IEnumerable<AIFunction> CreateFunctions(AgentRun run)
    {
        yield return new GatedFunction("shell_run", "Runs a program with arguments (no shell) and returns its exit code and output.", Schema,
            args => Capability.Process(ToolArguments.RequireString(args, "command")),
            (args, resolved, ct) => RunAsync(args, resolved, run, ct), run);
    }

    private async ValueTask<string> RunAsync(AIFunctionArguments arguments, string? resolved, AgentRun run, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            FileName = resolved ?? ToolArguments.RequireString(arguments, "command"),
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            WorkingDirectory = run.Policy.BaseDirectory,
        };
        foreach (string arg in ToolArguments.StringList(arguments, "args"))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (string name in start.Environment.Keys.ToList())
        {
            if (SecretNames.LooksSecret(name) && !run.Policy.GrantsEnvironmentVariable(name))
            {
                start.Environment.Remove(name);
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(_timeout, run.Agent.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var stdout = ReadCappedAsync(process.StandardOutput, linked.Token);
        var stderr = ReadCappedAsync(process.StandardError, linked.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            string output = await stdout.ConfigureAwait(false);
            string errors = await stderr.ConfigureAwait(false);
            var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"exit code {process.ExitCode}");
            if (output.Length > 0)
            {
                text.Append("\nstdout:\n").Append(output);
            }

            if (errors.Length > 0)
            {
                text.Append("\nstderr:\n").Append(errors);
            }

            return text.ToString();
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited on its own meanwhile.
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"{start.FileName} ran longer than {_timeout} and was killed");
        }
    }

    /// <summary>Reads a stream to its end, keeping under half the result cap, so stdout and stderr together stay within it.</summary>
    private static async Task<string> ReadCappedAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var kept = new StringBuilder();
        char[] buffer = new char[4096];
        long dropped = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
        {
            int room = Math.Min(read, (GatedFunction.MaxResultChars / 2) - 64 - kept.Length);
            kept.Append(buffer, 0, room);
            dropped += read - room;
        }

        return dropped > 0 ? kept.Append(CultureInfo.InvariantCulture, $"\n[truncated: {dropped} more characters]").ToString() : kept.ToString();
    }
}
