using System.Globalization;

namespace TaskExecKit.Planning;

/// <summary>The legacy kit's default layer of a task, from the number in its id.</summary>
internal static class Layers
{
    internal const string Foundation = "foundation";
    internal const string Orchestration = "orchestration";
    internal const string Platform = "platform";
    internal const string Services = "services";
    internal const string Monitoring = "monitoring";
    internal const string Execution = "execution";

    /// <summary>1-21 foundation, 22-29 orchestration, 30-41 platform, 42-53 services, 54-61 monitoring, else execution.</summary>
    internal static string ForNumber(long number) => number switch
    {
        >= 1 and <= 21 => Foundation,
        >= 22 and <= 29 => Orchestration,
        >= 30 and <= 41 => Platform,
        >= 42 and <= 53 => Services,
        >= 54 and <= 61 => Monitoring,
        _ => Execution,
    };

    /// <summary>The default layer of an id such as <c>TASK-007</c>: from the digits after its last dash.</summary>
    internal static string ForId(string id)
    {
        int dash = id.LastIndexOf('-');
        ReadOnlySpan<char> digits = dash >= 0 ? id.AsSpan(dash + 1) : ReadOnlySpan<char>.Empty;

        // A very long number cannot be in 1..61; only its value matters.
        if (digits.Length == 0 || !digits.ContainsOnlyDigits())
        {
            return Execution;
        }

        digits = digits.TrimStart('0');
        return digits.Length > 9 ? Execution : ForNumber(digits.Length == 0 ? 0 : long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture));
    }

    private static bool ContainsOnlyDigits(this ReadOnlySpan<char> span)
    {
        foreach (char c in span)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
