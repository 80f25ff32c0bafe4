namespace ApprovalGateway.Web.Auth;

/// <summary>The <c>Approvers</c> section: approver name to settings.</summary>
internal sealed class ApproverOptions
{
    public const string Section = "Approvers";

    public const int MinimumTokenLength = 16;

    public Dictionary<string, ApproverSettings> Approvers { get; } = new(StringComparer.OrdinalIgnoreCase);
}
