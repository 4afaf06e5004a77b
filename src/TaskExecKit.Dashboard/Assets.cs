using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace TaskExecKit.Dashboard;

/// <summary>Serves the page, script and styles embedded in the assembly (no CDN, nothing on disk).</summary>
internal static class Assets
{
    private static readonly ConcurrentDictionary<string, byte[]?> Cache = new(StringComparer.Ordinal);

    internal static IResult Page(HttpContext http, string prefix)
    {
        http.Response.Headers.CacheControl = "no-cache";
        string html = Encoding.UTF8.GetString(Load("index.html")!).Replace("__PREFIX__", WebUtility.HtmlEncode(prefix), StringComparison.Ordinal);
        return Results.Content(html, "text/html; charset=utf-8");
    }

    internal static IResult File(string name)
    {
        string? type = Path.GetExtension(name) switch
        {
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => null,
        };
        return type is not null && Load(name) is { } bytes ? Results.Bytes(bytes, type) : Results.NotFound();
    }

    private static byte[]? Load(string name) => Cache.GetOrAdd(name, static n =>
    {
        using var stream = typeof(Assets).Assembly.GetManifestResourceStream("tek/" + n);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });
}
