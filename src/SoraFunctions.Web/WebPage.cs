using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace SoraFunctions.Web;

/// <summary>
/// The page's files, embedded in this assembly and served by both hosts under <see cref="BasePath"/> (the local host
/// also answers <c>/</c> with the page). The files are static; the page learns everything else from the API.
/// </summary>
public static class WebPage
{
    /// <summary>Where both hosts serve the page's files; <c>index.html</c> names it as its base URL.</summary>
    public const string BasePath = "/api/ui/";

    static readonly Assembly Assembly = typeof(WebPage).Assembly;

    static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".webmanifest"] = "application/manifest+json",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The relative paths of every file of the page (e.g. <c>index.html</c>, <c>js/app.js</c>).</summary>
    public static IReadOnlyList<string> Files { get; } =
        [.. Assembly.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)).Select(n => n["wwwroot/".Length..]).Order(StringComparer.Ordinal)];

    /// <summary>
    /// <c>GET /api/ui/{*path}</c> (and <c>GET /</c> on the local host): the file, <c>index.html</c> for an empty path,
    /// a problem+json 404 for anything else.
    /// </summary>
    public static IResult Serve(HttpRequest request, string? path)
    {
        ArgumentNullException.ThrowIfNull(request);
        string name = string.IsNullOrEmpty(path) ? "index.html" : path.TrimStart('/');
        Stream? content = Assembly.GetManifestResourceStream("wwwroot/" + name);
        if (content is null || !ContentTypes.TryGetValue(Path.GetExtension(name), out string? contentType))
        {
            content?.Dispose();
            // The API's problem shape (a stable code and the trace id), without a reference to the API's project.
            return TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No such file.",
                detail: $"The page has no file '{(name.Length > 120 ? name[..120] + "…" : name)}'.",
                extensions: new Dictionary<string, object?> { ["code"] = "not_found", ["traceId"] = request.HttpContext.TraceIdentifier });
        }

        IHeaderDictionary headers = request.HttpContext.Response.Headers;
        // The files change only with a deployment; revalidating keeps a new version from hiding behind a cache.
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (name.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
        {
            // Videos and thumbnails come from the storage account through short-lived links, hence media and images from anywhere.
            headers.ContentSecurityPolicy =
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https: http:; media-src 'self' blob: https: http:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
        }

        return TypedResults.Stream(content, contentType);
    }
}
