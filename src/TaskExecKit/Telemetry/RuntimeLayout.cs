namespace TaskExecKit.Telemetry;

/// <summary>The runtime directory layout (design §7.2): database/, logs/{autonomous,agents,system}/, state/, cache/.</summary>
internal static class RuntimeLayout
{
    private static readonly string[] Folders =
    [
        "database",
        Path.Combine("logs", "autonomous"),
        Path.Combine("logs", "agents"),
        Path.Combine("logs", "system"),
        Path.Combine("state", "agent_states"),
        Path.Combine("state", "execution_context"),
        Path.Combine("state", "checkpoints"),
        Path.Combine("cache", "ai_responses"),
        Path.Combine("cache", "tool_outputs"),
        Path.Combine("cache", "metrics"),
    ];

    /// <summary>Creates the layout under <paramref name="runtimeDirectory"/> if missing and returns its full path.</summary>
    internal static string Ensure(string runtimeDirectory)
    {
        string root = Path.GetFullPath(runtimeDirectory);
        foreach (string folder in Folders)
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
        }

        return root;
    }
}
