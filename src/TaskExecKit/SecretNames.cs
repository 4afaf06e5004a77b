namespace TaskExecKit;

/// <summary>
/// The one rule for names that look like they hold a secret: an environment variable or a
/// configuration key containing KEY, SECRET, TOKEN, PASSWORD, PASSWD or CREDENTIAL (any case).
/// The shell agent strips such variables unless granted, configuration refuses such keys, and
/// telemetry redacts their values.
/// </summary>
internal static class SecretNames
{
    private static readonly string[] Markers = ["KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL"];

    internal static bool LooksSecret(string name)
    {
        foreach (string marker in Markers)
        {
            if (name.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
