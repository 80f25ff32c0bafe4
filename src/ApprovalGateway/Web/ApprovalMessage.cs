using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Arguments;

namespace ApprovalGateway.Web;

/// <summary>
/// An approval as the hub pushes it: the same snake_case fields as <c>GET /api/approvals</c> (so the page has one
/// shape to render), plus the category and the channels the prompt went to. Secrets in the arguments are masked.
/// </summary>
internal sealed record ApprovalMessage(
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
    IReadOnlyList<ApprovalVoteMessage> Votes,
    string? Reason,
    DateTimeOffset? ResolvedAt,
    IReadOnlyList<string> Channels)
{
    public static ApprovalMessage From(ApprovalSnapshot approval)
    {
        var request = approval.Request;
        return new ApprovalMessage(
            approval.Id,
            WireName(approval.Status.ToString()),
            request.Agent,
            request.SessionId,
            request.Upstream,
            request.Tool,
            SecretMasker.MaskCopy(request.FrozenArguments),
            request.ArgumentsSha256,
            WireName(request.Risk.Risk.ToString()),
            request.Risk.Reason,
            WireName(request.Risk.Category.ToString()),
            request.Rule,
            approval.RequestedAt,
            approval.Deadline,
            Math.Max(1, request.Settings.Approvals),
            request.Settings.GrantMinutes,
            [.. approval.Votes.Select(ApprovalVoteMessage.From)],
            approval.Reason,
            approval.ResolvedAt,
            request.Settings.Channels);
    }

    private static string WireName(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
