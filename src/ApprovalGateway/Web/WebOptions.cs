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

    public string ResolvedAssetsPath => Path.GetFullPath(
        string.IsNullOrWhiteSpace(AssetsPath) ? Path.Combine(AppContext.BaseDirectory, "wwwroot") : AssetsPath);
}
