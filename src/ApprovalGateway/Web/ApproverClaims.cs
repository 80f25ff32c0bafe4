namespace ApprovalGateway.Web;

/// <summary>The claims and the authorization policy every approver-only endpoint relies on.</summary>
internal static class ApproverClaims
{
    /// <summary>Authorization policy for the page, the hub, the decision API and the Hangfire dashboard.</summary>
    public const string Policy = "Approver";

    /// <summary>Claim holding the approver's Slack user ID, when configured.</summary>
    public const string SlackUserId = "slack_user_id";
}
