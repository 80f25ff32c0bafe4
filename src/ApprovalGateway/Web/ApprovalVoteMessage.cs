using ApprovalGateway.Approvals;

namespace ApprovalGateway.Web;

/// <param name="Decision">"approve" or "reject".</param>
internal sealed record ApprovalVoteMessage(string Approver, string Decision, string? Reason, DateTimeOffset At, string Channel, int? GrantMinutes)
{
    public static ApprovalVoteMessage From(ApproverVote vote) =>
        new(vote.Approver, vote.Approve ? "approve" : "reject", vote.Reason, vote.At, vote.Channel, vote.GrantMinutes);
}
