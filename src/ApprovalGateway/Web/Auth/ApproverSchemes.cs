using Microsoft.AspNetCore.Http;

namespace ApprovalGateway.Web.Auth;

/// <summary>The authentication schemes behind <see cref="ApproverClaims.Policy"/>.</summary>
internal static class ApproverSchemes
{
    /// <summary>The policy scheme that picks one of the others per request; the app's default.</summary>
    public const string Default = "Approver";

    public const string Cookie = "ApproverCookie";

    public const string Token = "ApproverToken";

    /// <summary>Only when no approver is configured: a loopback caller is the approver <see cref="LocalName"/>.</summary>
    public const string Loopback = "ApproverLoopback";

    public const string LocalName = "local";

    /// <summary>Where an unauthenticated caller gets 401 rather than a redirect to the sign-in page.</summary>
    public static bool IsApiPath(PathString path) => path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs");

    /// <summary>
    /// The bearer token of a request, from the Authorization header or, for the hubs (browsers cannot set headers on
    /// WebSockets), the <c>access_token</c> query parameter.
    /// </summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Path.StartsWithSegments("/hubs") && request.Query.TryGetValue("access_token", out var token)
            ? token.ToString()
            : null;
    }
}
