using System.Security.Cryptography;
using System.Text;
using TaskExecKit.Planning;

namespace TaskExecKit.Execution;

/// <summary>A plan's identity for resuming: the SHA-256 of its canonical JSON, in lower-case hex.</summary>
internal static class PlanHash
{
    internal static string Compute(Plan plan)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plan.ToJson())));
}
