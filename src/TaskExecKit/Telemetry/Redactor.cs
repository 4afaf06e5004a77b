using System.Collections;
using System.Text.RegularExpressions;

namespace TaskExecKit.Telemetry;

/// <summary>Removes secrets (and, unless captured, model text) from events before they are persisted or logged.</summary>
internal sealed partial class Redactor
{
    internal const string Mask = "[REDACTED]";
    internal const string ModelTextOmitted = "[model text not captured]";
    private const int MinimumSecretLength = 6;

    private readonly string[] _secrets;
    private readonly Regex[] _patterns;
    private readonly bool _captureModelText;

    internal Redactor(TelemetryRedactionOptions options, IDictionary environment)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        foreach (string value in options.SecretValues)
        {
            if (!string.IsNullOrEmpty(value) && value.Length >= MinimumSecretLength)
            {
                secrets.Add(value);
            }
        }

        var named = new HashSet<string>(options.SecretEnvironmentVariables, StringComparer.Ordinal);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && entry.Value is string value && value.Length >= MinimumSecretLength
                && (named.Contains(name) || (options.SecretLookingEnvironmentVariables && SecretNames.LooksSecret(name))))
            {
                secrets.Add(value);
            }
        }

        // Longest first, so a secret that contains another is removed whole.
        _secrets = [.. secrets.OrderByDescending(s => s.Length)];
        _patterns = [.. options.Patterns.Select(p => new Regex(p, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))];
        _captureModelText = options.CaptureModelText;
    }

    internal TelemetryEvent Redact(in TelemetryEvent e)
    {
        string? detail = e.Kind == TelemetryEventKind.ModelCall && !_captureModelText && e.Detail is not null ? ModelTextOmitted : Redact(e.Detail);
        string? name = Redact(e.Name);
        string? reason = Redact(e.Reason);
        string? agent = Redact(e.AgentId);
        string? task = Redact(e.TaskId);
        if (ReferenceEquals(detail, e.Detail) && ReferenceEquals(name, e.Name) && ReferenceEquals(reason, e.Reason)
            && ReferenceEquals(agent, e.AgentId) && ReferenceEquals(task, e.TaskId))
        {
            return e;
        }

        return e with { Detail = detail, Name = name, Reason = reason, AgentId = agent, TaskId = task };
    }

    internal string? Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        string result = text;
        foreach (string secret in _secrets)
        {
            if (result.Contains(secret, StringComparison.Ordinal))
            {
                result = result.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        if (KnownKeyPattern().IsMatch(result))
        {
            result = KnownKeyPattern().Replace(result, Mask);
        }

        if (AssignmentPattern().IsMatch(result))
        {
            result = AssignmentPattern().Replace(result, m => m.Groups["name"].Value + m.Groups["sep"].Value + Mask);
        }

        foreach (var pattern in _patterns)
        {
            result = pattern.Replace(result, Mask);
        }

        return result == text ? text : result;
    }

    // API keys of well-known providers and bearer tokens.
    [GeneratedRegex(@"(sk-(ant-)?[A-Za-z0-9_\-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{30,}|(?<=\bBearer\s+)[A-Za-z0-9._~+/=\-]{8,})",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex KnownKeyPattern();

    // api_key=..., "token": "...", password: ...
    [GeneratedRegex(@"(?<name>\b[A-Za-z_\-]*(api[_\-]?key|secret|token|password|passwd)[""']?)(?<sep>\s*[:=]\s*[""']?)(?<value>[^\s""',;&]{4,})",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AssignmentPattern();
}
