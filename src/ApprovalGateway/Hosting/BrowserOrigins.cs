using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ApprovalGateway.Hosting;

/// <summary>
/// Keeps web pages the user happens to visit from using the gateway through their browser. A browser names the page
/// behind every cross-origin request, and behind every POST and WebSocket, in the <c>Origin</c> header; programs (MCP
/// clients, scripts, Slack) send none. Two attacks are closed here: DNS rebinding, where a page on a name the
/// attacker points at 127.0.0.1 talks to the gateway as itself (so its Host is that name, not a loopback one), and
/// cross-site WebSocket hijacking of the approvals hub, which the browser opens with the approver's cookie.
/// </summary>
internal sealed class BrowserOrigins
{
    private readonly HashSet<string> _allowed;

    public BrowserOrigins(IOptions<GatewayOptions> options) =>
        _allowed = new HashSet<string>(
            options.Value.AllowedOrigins.Select(o => Normalize(o) ?? o),
            StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// MCP's Streamable HTTP transport asks servers to check Origin against DNS rebinding. A page's own origin proves
    /// nothing there (a rebound page is same-origin with what it calls), so only listed origins and, from a page
    /// on this machine to a gateway called by a loopback name, loopback ones pass.
    /// </summary>
    public bool MayCallMcp(HttpRequest request, out string? origin)
    {
        origin = Origin(request);
        return origin is null
            || _allowed.Contains(origin)
            || (IsLoopbackHost(new Uri(origin).Host) && IsLoopbackHost(request.Host.Host));
    }

    /// <summary>An approver's cookie is honoured only from the gateway's own page (as the Host or a proxy's X-Forwarded-Host name it) or a listed origin.</summary>
    public bool MayActAsApprover(HttpRequest request) =>
        Origin(request) is not { } origin || _allowed.Contains(origin) || IsOwn(request, origin);

    /// <summary>
    /// Sent to a loopback name by the machine itself and, when from a page, from the gateway's own: only then is the
    /// caller the person at this machine. The address alone is not enough, since a rebound page's requests come
    /// from 127.0.0.1 too.
    /// </summary>
    public static bool IsLocalRequest(HttpRequest request) =>
        IsLoopbackHost(request.Host.Host) && (Origin(request) is not { } origin || IsOwn(request, origin));

    /// <summary><c>localhost</c>, its subdomains (RFC 6761: never sent to DNS by browsers), and loopback addresses.</summary>
    public static bool IsLoopbackHost(string host)
    {
        if (host.Length == 0)
        {
            return false;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary><c>scheme://host[:port]</c> as browsers write it, or null for no header, <c>null</c> (opaque origins) or garbage.</summary>
    public static string? Normalize(string? origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/"
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;

    private static string? Origin(HttpRequest request)
    {
        var header = request.Headers[HeaderNames.Origin].ToString();
        if (header.Length == 0)
        {
            return null;
        }

        // An opaque origin ("null": a sandboxed frame, a file) or an unreadable one is a page all the same.
        return Normalize(header) ?? "null://";
    }

    /// <summary>
    /// The page's origin names the host it was loaded from. A reverse proxy may pass its own name on as Host and the
    /// public one as X-Forwarded-Host; a page cannot set that header (the browser would ask first), so either counts.
    /// </summary>
    private static bool IsOwn(HttpRequest request, string origin)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
        {
            return false;
        }

        var authority = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        return SameAuthority(authority, request.Host.Value, uri)
            || SameAuthority(authority, request.Headers["X-Forwarded-Host"].ToString().Split(',')[0].Trim(), uri);
    }

    private static bool SameAuthority(string originAuthority, string? host, Uri origin)
    {
        if (string.IsNullOrEmpty(host))
        {
            return false;
        }

        // Host leaves out the default port of whatever scheme the client used; compare with and without it.
        return string.Equals(originAuthority, host, StringComparison.OrdinalIgnoreCase)
            || string.Equals($"{origin.Host}:{origin.Port}", host, StringComparison.OrdinalIgnoreCase);
    }
}
