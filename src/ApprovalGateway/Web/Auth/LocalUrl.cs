namespace ApprovalGateway.Web.Auth;

internal static class LocalUrl
{
    /// <summary>Only a path on this site, so the sign-in page cannot be used to bounce someone to another host.</summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url)
        && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    public static string OrRoot(string? url) => IsLocal(url) ? url! : "/";
}
