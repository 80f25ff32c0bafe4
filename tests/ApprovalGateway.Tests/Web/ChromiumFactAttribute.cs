namespace ApprovalGateway.Tests.Web;

/// <summary>
/// A browser test: skipped, with the reason shown, when Debian's Chromium is missing (a developer's machine).
/// CI installs it, so there these tests always run.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute() => Skip = SkipReason;

    /// <summary>Why a browser test cannot run here, or null when it can.</summary>
    public static string? SkipReason =>
        // .ci/run sets this, so a missing browser fails there instead of passing as skipped.
        Environment.GetEnvironmentVariable("APPROVAL_GATEWAY_REQUIRE_CHROMIUM") != "1" && !File.Exists(BrowserSession.ChromiumPath)
            ? $"Chromium is not installed at {BrowserSession.ChromiumPath}: run `apt-get install -y chromium` (.ci/run does)."
            : null;
}
