namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>A test against real PostgreSQL and Redis: skipped, with the reason shown, only where they are missing and not required.</summary>
public sealed class ServicesFactAttribute : FactAttribute
{
    public ServicesFactAttribute() => Skip = ScaleOutBinaries.SkipReason;
}
