namespace ApprovalGateway.Slack;

/// <summary>The <c>action_id</c>s of the prompt's buttons; each button's <c>value</c> is the approval id.</summary>
internal static class SlackActionIds
{
    public const string Approve = "approve";
    public const string Reject = "reject";
    public const string ApproveGrant = "approve_grant";
}
