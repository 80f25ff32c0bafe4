namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>The <see cref="ServicesFactAttribute"/> of a theory.</summary>
public sealed class ServicesTheoryAttribute : TheoryAttribute
{
    public ServicesTheoryAttribute() => Skip = ScaleOutBinaries.SkipReason;
}
