using TaskExecKit.AI;

namespace TaskExecKit.Tests.AI.Providers;

internal static class ProviderTestKit
{
    /// <summary>No retries, a generous attempt timeout (the machine is loaded), quick breaker.</summary>
    internal static readonly AIProviderResilience NoRetries = new() { MaxRetries = 0, AttemptTimeout = TimeSpan.FromSeconds(30), RetryDelay = TimeSpan.FromMilliseconds(10) };

    /// <summary>A builder that reads no environment variable of the machine.</summary>
    internal static AIAgentBuilder Builder(Dictionary<string, string>? environment = null) => AIAgent.Builder()
        .EnvironmentVariables(name => environment?.GetValueOrDefault(name))
        .ProviderResilience(NoRetries);

    internal static Uri V1(this FakeProviderServer server) => new(server.Root, "v1");
}
