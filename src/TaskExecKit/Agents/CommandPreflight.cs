using TaskExecKit.Effects;

namespace TaskExecKit.Agents;

/// <summary>
/// The checks every command passes before it may start, shared by the shell agent and dry runs:
/// its working directory must exist and be the run's working directory or a granted one, and its
/// program must resolve to a granted executable.
/// </summary>
internal static class CommandPreflight
{
    /// <summary>
    /// Authorizes a command. Throws <see cref="EffectDeniedException"/> when the policy denies it;
    /// returns false with a reason when it cannot start (no such directory or program).
    /// </summary>
    internal static bool TryAuthorize(AgentContext context, AgentCommand command, string? pathVariable, out string workingDirectory, out string executable, out string? problem)
    {
        workingDirectory = executable = string.Empty;
        problem = null;
        string requestedDirectory = Path.GetFullPath(command.WorkingDirectory ?? ".", context.WorkingDirectory);
        string? resolvedDirectory = PathResolver.Resolve(requestedDirectory, context.WorkingDirectory);

        // The run's own working directory was chosen by the host, so starting a command there
        // needs no grant; any other directory must be granted (fs.read or fs.write).
        if (resolvedDirectory is null || !string.Equals(resolvedDirectory, PathResolver.Resolve(context.WorkingDirectory, context.WorkingDirectory), PathResolver.Comparison))
        {
            context.DemandResolved(Capability.FileRead(requestedDirectory), pathVariable, out resolvedDirectory);
        }

        if (resolvedDirectory is null || !Directory.Exists(resolvedDirectory))
        {
            problem = $"the working directory {requestedDirectory} of command '{command}' does not exist";
            return false;
        }

        string program = command.Argv[0];
        string? resolvedProgram = ExecutableResolver.Resolve(program, resolvedDirectory, pathVariable);
        if (resolvedProgram is null)
        {
            problem = program.Contains('/', StringComparison.Ordinal)
                ? $"program {program} of command '{command}' is not an executable file"
                : $"program '{program}' of command '{command}' was not found on PATH";
            return false;
        }

        context.DemandResolved(Capability.Process(resolvedProgram), pathVariable, out _);
        workingDirectory = resolvedDirectory;
        executable = resolvedProgram;
        return true;
    }
}
