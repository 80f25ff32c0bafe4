using ApprovalGateway.Tests.Web;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>A test against real PostgreSQL and Redis: skipped, with the reason shown, only where they are missing and not required.</summary>
public sealed class ServicesFactAttribute : FactAttribute
{
    public ServicesFactAttribute() => Skip = ScaleOutBinaries.SkipReason;

    /// <summary>The test drives the live page in Chromium too: skipped also where that is missing.</summary>
    public bool Chromium
    {
        get => field;
        init
        {
            field = value;
            Skip ??= value ? ChromiumFactAttribute.SkipReason : null;
        }
    }
}
