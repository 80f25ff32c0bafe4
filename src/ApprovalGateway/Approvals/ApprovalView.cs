using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Arguments;

namespace ApprovalGateway.Approvals;

/// <summary>An approval as the REST API shows it: snake_case on the wire, secrets in the arguments masked.</summary>
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
    string Rule,
    DateTimeOffset RequestedAt,
    DateTimeOffset Deadline,
    int ApprovalsRequired,
    int GrantMinutesMax,
    IReadOnlyList<ApprovalVoteView> Votes,
    string Summary,
    string? Reason,
    DateTimeOffset? ResolvedAt)
{
    public static ApprovalView From(ApprovalSnapshot approval)
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
            request.Risk.Risk.ToString().ToLowerInvariant(),
            request.Risk.Reason,
            request.Rule,
            approval.RequestedAt,
            approval.Deadline,
            Math.Max(1, request.Settings.Approvals),
            request.Settings.GrantMinutes,
            [.. approval.Votes.Select(v => new ApprovalVoteView(v.Approver, v.Approve ? "approve" : "reject", v.Reason, v.At, v.Channel, v.GrantMinutes))],
            ApprovalText.Summary(approval),
            approval.Reason,
            approval.ResolvedAt);
    }
}
