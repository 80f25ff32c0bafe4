using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Arguments;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Approvals;

/// <summary>
/// An approval as the REST API returns it and the live page's hub pushes it: one shape (snake_case on the wire),
/// so the page renders a fetched list and a push alike. Secrets in the arguments are masked.
/// </summary>
/// <param name="Channels">Where the call is put before approvers in this configuration (<see cref="PromptChannels.Of"/>):
/// not Slack when Slack is not configured, whatever the rule lists.</param>
/// <param name="Approvers">The rule's approvers (names or Slack user IDs); empty means any approver. The page counts
/// and notifies only the calls its approver may decide.</param>
/// <param name="GrantedMinutes">The time-boxed grant this approval gave, if any (<see cref="ApprovalGrant.MinutesGiven"/>).</param>
/// <param name="GrantedUntil">When that grant ends (or ended), unless revoked earlier (<see cref="GrantRevoked"/>).</param>
/// <param name="AgentOwner">The approver who owns the agent, if any; the page tells them when they may only reject.</param>
/// <param name="OwnerMayApprove">Whether the rule lets that owner approve (self-approval allowed, one approver asked for).</param>
/// <param name="ReleasedByGrant">The time-boxed grant that approved the call while it waited, when one did.</param>
/// <param name="GrantLimit">Set when the policy in force at the approval gave less of a grant than was asked for (none:
/// minutes 0, or a shorter one), and why.</param>
internal sealed record ApprovalView(
    string Id,
    string Status,
    string Agent,
    string SessionId,
    string Upstream,
    string Tool,
    JsonObject? Arguments,
    string ArgumentsSha256,
    string Risk,
    string RiskReason,
    string Category,
    string Rule,
    DateTimeOffset RequestedAt,
    DateTimeOffset Deadline,
    int ApprovalsRequired,
    int GrantMinutesMax,
    IReadOnlyList<ApprovalVoteView> Votes,
    IReadOnlyList<string> Channels,
    string Summary,
    string? Reason,
    DateTimeOffset? ResolvedAt,
    string? HeldBecause,
    GrantRevocationNote? GrantRevoked,
    IReadOnlyList<string> ArgumentProblems,
    IReadOnlyList<string> Approvers,
    int? GrantedMinutes,
    DateTimeOffset? GrantedUntil,
    string? AgentOwner,
    bool OwnerMayApprove,
    GrantRelease? ReleasedByGrant,
    GrantLimit? GrantLimit)
{
    public static ApprovalView From(ApprovalSnapshot approval, bool slackEnabled)
    {
        var request = approval.Request;
        return new ApprovalView(
            approval.Id,
            approval.Status.ToString().ToLowerInvariant(),
            request.Agent,
            request.SessionId,
            request.Upstream,
            request.Tool,
            SecretMasker.MaskCopy(request.FrozenArguments),
            request.ArgumentsSha256,
            request.Risk.Risk.ToWireName(),
            request.Risk.Reason,
            request.Risk.Category.ToWireName(),
            request.Rule,
            approval.RequestedAt,
            approval.Deadline,
            Math.Max(1, request.Settings.Approvals),
            request.Settings.GrantMinutes,
            [.. approval.Votes.Select(v => new ApprovalVoteView(v.Approver, v.Approve ? "approve" : "reject", v.Reason, v.At, v.Channel, v.GrantMinutes))],
            PromptChannels.Of(request.Settings.Channels, slackEnabled),
            ApprovalText.Summary(approval),
            approval.Reason,
            approval.ResolvedAt,
            request.HeldBecause,
            approval.GrantRevoked,
            request.ArgumentProblems ?? [],
            request.Settings.Approvers,
            ApprovalGrant.MinutesGiven(approval),
            ApprovalGrant.GivenUntil(approval),
            request.AgentOwner,
            request.Settings.AllowSelfApproval && request.Settings.Approvals <= 1,
            approval.ReleasedByGrant,
            approval.GrantLimit);
    }
}
