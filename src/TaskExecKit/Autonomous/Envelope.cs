using TaskExecKit.Configuration;
using TaskExecKit.Effects;
using TaskExecKit.Planning;

namespace TaskExecKit.Autonomous;

/// <summary>
/// The declared envelope: the capabilities the configuration grants (<c>safety.toml [grants]</c>), fixed
/// when the engine is built. Everything the loop proposes is checked against it; nothing in the loop can
/// add to it.
/// </summary>
internal sealed class Envelope
{
    internal Envelope(EngineConfig config, string workingDirectory)
    {
        Grants = config.Safety.Grants.ToCapabilities();
        Policy = EffectPolicy.Create(Grants, workingDirectory);
    }

    internal IReadOnlyList<Capability> Grants { get; }

    internal EffectPolicy Policy { get; }

    /// <summary>Lists every problem of a decision and its plan against the envelope; empty when inside it.</summary>
    internal List<string> Check(AutonomousDecision? decision, Plan? plan)
    {
        var problems = new List<string>();
        if (decision is not null)
        {
            foreach (string requested in decision.RequestedCapabilities)
            {
                problems.Add(Capability.TryParse(requested, out var cap) && Policy.Check(cap)
                    ? $"asked to be granted '{requested}', which is already granted: the engine cannot grant itself capabilities, so the request is refused"
                    : $"asked to be granted '{requested}': refused, the engine can never grant itself capabilities");
            }

            foreach (var task in decision.Tasks)
            {
                foreach (string effect in task.Effects)
                {
                    if (!Capability.TryParse(effect, out var cap))
                    {
                        problems.Add($"task {task.Id}: '{effect}' is not an effect");
                    }
                    else if (!Policy.Check(cap))
                    {
                        problems.Add($"task {task.Id}: effect '{effect}' is outside the envelope (safety.toml [grants])");
                    }
                }
            }
        }

        if (plan is not null)
        {
            foreach (var task in plan.Tasks)
            {
                foreach (var effect in task.Effects)
                {
                    if (!Policy.Check(effect))
                    {
                        string line = $"task {task.Id}: effect '{effect}' is outside the envelope (safety.toml [grants])";
                        if (!problems.Contains(line))
                        {
                            problems.Add(line);
                        }
                    }
                }
            }
        }

        return problems;
    }
}
