using TaskExecKit.Planning;

namespace TaskExecKit.Cli;

/// <summary>Exit codes the legacy kit promised, and how the CLI turns a failure into one paragraph.</summary>
internal static class CliErrors
{
    internal const int Ok = 0;
    internal const int BadInput = 1;
    internal const int TaskFailed = 2;
    internal const int Interrupted = 130;

    /// <summary>
    /// Runs a command body and turns every expected failure (bad input, missing files) into
    /// a one-paragraph message on standard error and exit code 1; never a stack trace.
    /// </summary>
    internal static async Task<int> GuardAsync(Func<Task<int>> body, TextWriter error)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("task-exec-kit: interrupted").ConfigureAwait(false);
            return Interrupted;
        }
        catch (PlanValidationException ex)
        {
            await error.WriteLineAsync($"task-exec-kit: {ex.Message}").ConfigureAwait(false);
            return BadInput;
        }
        catch (TaskExecKitException ex)
        {
            await error.WriteLineAsync($"task-exec-kit: error: {ex.Message}").ConfigureAwait(false);
            return BadInput;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            await error.WriteLineAsync($"task-exec-kit: error: {Describe(ex)}").ConfigureAwait(false);
            return BadInput;
        }
#pragma warning disable CA1031 // The last line of defence: a bug gets one clear line, not a stack trace.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            bool debug = Environment.GetEnvironmentVariable("TASKEXECKIT_DEBUG") is "1" or "true";
            await error.WriteLineAsync(debug
                ? $"task-exec-kit: internal error: {ex}"
                : $"task-exec-kit: internal error ({ex.GetType().Name}): {ex.Message} Please report it; TASKEXECKIT_DEBUG=1 shows the details.").ConfigureAwait(false);
            return BadInput;
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        FileNotFoundException f when f.FileName is not null => $"{f.FileName}: file not found",
        DirectoryNotFoundException => $"{ex.Message.TrimEnd('.')} (directory not found)",
        _ => ex.Message,
    };
}
