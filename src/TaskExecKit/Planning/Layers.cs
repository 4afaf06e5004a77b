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

    /// <summary>
    /// The default layer of an id such as <c>TASK-007</c>: from the number after its last dash.
    /// Any Unicode decimal digit counts, as the legacy kit's <c>\d</c> and <c>int()</c> read them.
    /// </summary>
    internal static string ForId(string id)
    {
        int dash = id.LastIndexOf('-');
        if (dash < 0 || dash == id.Length - 1)
        {
            return Execution;
        }

        long value = 0;
        for (int i = dash + 1; i < id.Length; i++)
        {
            int digit = CharUnicodeInfo.GetDecimalDigitValue(id[i]);
            if (digit < 0)
            {
                return Execution;
            }

            // Past 61 the value no longer matters; stop growing it.
            value = Math.Min((value * 10) + digit, 1_000);
        }

        return ForNumber(value);
    }
}
