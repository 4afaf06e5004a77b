using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace TaskExecKit.Dashboard;

/// <summary>
/// The dashboard's access token: configured, or generated once and kept only as its SHA-256 hash under
/// <c>runtime/state</c>; plus the short-lived read sessions a browser gets by presenting it.
/// </summary>
internal sealed class AccessTokens
{
    internal const string HeaderName = "X-TEK-Token";
    internal const string CookieName = "tek_session";
    internal const string HashFileName = "dashboard.token.sha256";
    private const int MaxSessions = 256;
    private static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private byte[]? _hash;

    internal AccessTokens(TimeProvider time) => _time = time;

    /// <summary>Gets where the token came from: <c>configured</c>, <c>generated</c> or <c>stored</c>.</summary>
    internal string Source { get; private set; } = "none";

    internal static string HashFile(string stateDirectory) => Path.Combine(stateDirectory, HashFileName);

    /// <summary>Loads the token's hash: configured, stored, or newly generated and handed to <paramref name="generated"/> once.</summary>
    internal void Initialize(string? configured, string stateDirectory, Action<string> generated)
    {
        if (_hash is not null)
        {
            return;
        }

        if (configured is not null)
        {
            _hash = Hash(configured);
            Source = "configured";
            return;
        }

        string file = HashFile(stateDirectory);
        if (File.Exists(file))
        {
            string hex = File.ReadAllText(file).Trim();
            try
            {
                _hash = Convert.FromHexString(hex);
            }
            catch (FormatException ex)
            {
                throw new InvalidOperationException($"{file}: not a SHA-256 hash in hex; delete the file to generate a new dashboard token.", ex);
            }

            if (_hash.Length != 32)
            {
                throw new InvalidOperationException($"{file}: not a SHA-256 hash in hex; delete the file to generate a new dashboard token.");
            }

            Source = "stored";
            return;
        }

        string token = Base64Url(RandomNumberGenerator.GetBytes(32));
        byte[] hash = Hash(token);
        Directory.CreateDirectory(stateDirectory);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(file, Encoding.ASCII, options))
        {
            writer.Write(Convert.ToHexStringLower(hash));
        }

        _hash = hash;
        Source = "generated";
        generated(token);
    }

    /// <summary>Checks a presented token in constant time.</summary>
    internal bool Verify(string? presented)
    {
        var hash = _hash;
        return hash is not null && !string.IsNullOrEmpty(presented) && presented.Length <= 512
            && CryptographicOperations.FixedTimeEquals(Hash(presented), hash);
    }

    /// <summary>Gets the token the request carries in <c>X-TEK-Token</c> or <c>Authorization: Bearer</c>.</summary>
    internal static string? Presented(HttpRequest request)
    {
        string? header = request.Headers[HeaderName];
        if (!string.IsNullOrEmpty(header))
        {
            return header;
        }

        string? auth = request.Headers.Authorization;
        return auth is not null && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..].Trim() : null;
    }

    /// <summary>Starts a read session; returns the cookie value.</summary>
    internal string StartSession()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, expires) in _sessions)
        {
            if (expires <= now)
            {
                _sessions.TryRemove(key, out _);
            }
        }

        while (_sessions.Count >= MaxSessions)
        {
            var oldest = _sessions.OrderBy(kv => kv.Value).First();
            _sessions.TryRemove(oldest.Key, out _);
        }

        string session = Base64Url(RandomNumberGenerator.GetBytes(32));
        _sessions[Convert.ToHexStringLower(Hash(session))] = now + SessionLifetime;
        return session;
    }

    internal bool HasSession(HttpRequest request)
    {
        if (!request.Cookies.TryGetValue(CookieName, out string? session) || string.IsNullOrEmpty(session) || session.Length > 128)
        {
            return false;
        }

        return _sessions.TryGetValue(Convert.ToHexStringLower(Hash(session)), out var expires) && expires > _time.GetUtcNow();
    }

    internal static bool IsLoopback(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null)
        {
            return false;
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        return IPAddress.IsLoopback(remote);
    }

    /// <summary>
    /// A state-changing request must come from the dashboard's own origin: a browser always sends <c>Origin</c> (or
    /// <c>Sec-Fetch-Site</c>) on a cross-site POST, so either one naming another site refuses it.
    /// </summary>
    internal static bool IsSameOrigin(HttpRequest request)
    {
        string? site = request.Headers["Sec-Fetch-Site"];
        if (!string.IsNullOrEmpty(site) && site is not ("same-origin" or "none"))
        {
            return false;
        }

        string? origin = request.Headers.Origin;
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        string self = string.Create(CultureInfo.InvariantCulture, $"{request.Scheme}://{request.Host.Value}");
        return string.Equals(origin, self, StringComparison.OrdinalIgnoreCase);
    }

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
