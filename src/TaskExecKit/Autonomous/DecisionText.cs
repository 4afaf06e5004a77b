using System.Text;

namespace TaskExecKit.Autonomous;

/// <summary>
/// The line format DECIDE asks a model to answer in, and its parser. Unknown lines are ignored; a
/// reply with no <c>action:</c> line is a <see cref="AutonomousAction.Wait"/> (doing nothing is safe).
/// </summary>
/// <example>
/// <code>
/// action: run
/// reason: the goal plan has not run yet
/// risk: low
/// option: run the goal plan
/// option: wait
/// task: check; agent=noop
/// task: status; agent=shell; run=git status --short; effects=process:git,fs.read:.
/// grant: net:example.org
/// set: max_iterations=3
/// </code>
/// </example>
internal static class DecisionText
{
    internal const string Format =
        "Answer with one item per line: 'action: run|wait|stop', 'reason: ...', 'risk: low|medium|high', " +
        "'option: ...' for each option you considered, and for new work 'task: <id>; agent=<noop|shell>; run=<command line>; effects=<effect,...>'. " +
        "You may propose 'set: <limit>=<value>' to lower a limit. You cannot grant capabilities.";

    internal static string Prompt(AutonomousIteration iteration)
    {
        var text = new StringBuilder();
        text.Append("decide the next action of the autonomous loop\n");
        text.Append("goal: ").Append(iteration.Goal).Append('\n');
        foreach (var (key, value) in iteration.Observations)
        {
            text.Append("observation ").Append(key).Append(": ").Append(value).Append('\n');
        }

        text.Append(Format);
        return text.ToString();
    }

    internal static AutonomousDecision Parse(string reply)
    {
        var action = AutonomousAction.Wait;
        bool sawAction = false;
        string reason = string.Empty;
        var risk = RiskLevel.Low;
        var options = new List<string>();
        var tasks = new List<ProposedTask>();
        var grants = new List<string>();
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in reply.Split('\n'))
        {
            string line = raw.Trim();
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            string key = line[..colon].Trim().ToLowerInvariant();
            string value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "action" when !sawAction:
                    sawAction = true;
                    action = value.ToLowerInvariant() switch
                    {
                        "run" => AutonomousAction.Run,
                        "stop" => AutonomousAction.Stop,
                        _ => AutonomousAction.Wait,
                    };
                    break;
                case "reason" when reason.Length == 0:
                    reason = value;
                    break;
                case "risk":
                    risk = value.ToLowerInvariant() switch { "high" => RiskLevel.High, "medium" => RiskLevel.Medium, _ => risk };
                    break;
                case "option":
                    options.Add(value);
                    break;
                case "task" when ParseTask(value) is { } task:
                    tasks.Add(task);
                    break;
                case "grant":
                    grants.Add(value);
                    break;
                case "set":
                    int eq = value.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0)
                    {
                        settings[value[..eq].Trim()] = value[(eq + 1)..].Trim();
                    }

                    break;
                default:
                    break;
            }
        }

        if (!sawAction)
        {
            reason = reason.Length > 0 ? reason : "the model gave no action; waiting is the safe default";
        }

        return new AutonomousDecision
        {
            Action = action,
            Reason = reason,
            Risk = risk,
            Options = options,
            Tasks = tasks,
            RequestedCapabilities = grants,
            ProposedSettings = settings,
        };
    }

    private static ProposedTask? ParseTask(string value)
    {
        string[] parts = value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts[0].Contains('=', StringComparison.Ordinal))
        {
            return null;
        }

        string agent = "noop";
        string[] run = [];
        string[] effects = [];
        foreach (string part in parts.Skip(1))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            string name = part[..eq].Trim().ToLowerInvariant();
            string v = part[(eq + 1)..].Trim();
            switch (name)
            {
                case "agent":
                    agent = v;
                    break;
                case "run":
                    run = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    break;
                case "effects":
                    effects = v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    break;
                default:
                    break;
            }
        }

        return new ProposedTask(parts[0], agent, run, effects);
    }
}
