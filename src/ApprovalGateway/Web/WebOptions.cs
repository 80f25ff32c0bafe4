namespace ApprovalGateway.Web;

/// <summary>The live approval page (<c>Web</c> section).</summary>
internal sealed class WebOptions
{
    public const string Section = "Web";

    /// <summary>
    /// The folder the page is served from. Default: the <c>wwwroot</c> copied next to the gateway's assembly, because
    /// the content root is wherever the gateway was started from. Point it at <c>src/ApprovalGateway/wwwroot</c> to
    /// edit the page without rebuilding.
    /// </summary>
    public string? AssetsPath { get; set; }

    /// <summary>Failed sign-ins for one approver name within <see cref="FailedSignInWindow"/> before that name is locked out.</summary>
    public int MaxFailedSignInsPerName { get; set; } = 5;

    /// <summary>
    /// Failed sign-ins from one client address within <see cref="FailedSignInWindow"/> before that address is locked out;
    /// higher than the per-name limit because people behind one NAT share an address.
    /// </summary>
    public int MaxFailedSignInsPerAddress { get; set; } = 20;

    /// <summary>How far back failures count, and how long a lock-out lasts.</summary>
    public TimeSpan FailedSignInWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a sign-in lasts. It slides: a page in use renews it once half is gone. When it ends, the live page's
    /// connection closes and the page asks for a new sign-in, instead of receiving held calls for as long as it stays open.
    /// </summary>
    public TimeSpan SignInLifetime { get; set; } = TimeSpan.FromHours(12);

    public string ResolvedAssetsPath => Path.GetFullPath(
        string.IsNullOrWhiteSpace(AssetsPath) ? Path.Combine(AppContext.BaseDirectory, "wwwroot") : AssetsPath);
}
