using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ApprovalGateway.Web;

/// <summary>
/// The page's files, read from <see cref="WebOptions.ResolvedAssetsPath"/>. The page itself is served only to
/// approvers; its scripts, styles and images carry nothing secret and are served to anyone, so the sign-in form can
/// share them and a redirect to <c>/login</c> never loops.
/// </summary>
internal sealed class WebAssets(IOptions<WebOptions> options, ILogger<WebAssets> logger)
{
    public const string PageFile = "index.html";

    /// <summary>Top-level folders of wwwroot served without sign-in.</summary>
    public static readonly IReadOnlyList<string> OpenFolders = ["css", "js", "lib", "img"];

    // The page runs only its own files; nothing inline, nothing from elsewhere, never inside a frame.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private readonly Lazy<PhysicalFileProvider> _files = new(() =>
    {
        var path = options.Value.ResolvedAssetsPath;
        Log.ServingPage(logger, path);
        return new PhysicalFileProvider(path);
    });

    public IResult Page(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        return File(context, PageFile);
    }

    public IResult Asset(HttpContext context, string folder, string file) => File(context, $"{folder}/{file}");

    private IResult File(HttpContext context, string subpath)
    {
        var info = _files.Value.GetFileInfo(subpath);
        if (!info.Exists || info.IsDirectory || info.PhysicalPath is null || !ContentTypes.TryGetContentType(subpath, out var contentType))
        {
            return TypedResults.NotFound();
        }

        // Revalidate every time: after an upgrade the page and its script must never mix versions.
        context.Response.Headers.CacheControl = "no-cache";
        var tag = new EntityTagHeaderValue($"\"{info.LastModified.UtcTicks:x}-{info.Length:x}\"");
        return TypedResults.PhysicalFile(info.PhysicalPath, contentType, lastModified: info.LastModified, entityTag: tag);
    }
}
