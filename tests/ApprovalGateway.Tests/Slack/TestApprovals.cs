using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Tests.Slack;

/// <summary>Approval snapshots as the approval service would store them.</summary>
internal static class TestApprovals
{
    public static readonly DateTimeOffset RequestedAt = new(2025, 3, 14, 13, 58, 0, TimeSpan.Zero);

    public static ApprovalSnapshot Pending(
        string id = "apr_1",
        JsonObject? arguments = null,
        RiskClass risk = RiskClass.High,
        ApprovalSettings? settings = null) =>
        new(
            id,
            ApprovalStatus.Pending,
            new ApprovalRequest(
                Agent: "trader-bot",
                AgentOwner: null,
                SessionId: "session-1",
                Upstream: "exchange",
                Tool: "place_order",
                FrozenArguments: arguments ?? new JsonObject { ["symbol"] = "BTCUSDT", ["side"] = "BUY", ["quantity"] = 0.5 },
                ArgumentsSha256: "abc123",
                Risk: new ToolRisk(ToolCategory.Financial, risk, "moves money"),
                Rule: "risk.high",
                Settings: settings ?? ApprovalSettings.Default),
            RequestedAt,
            RequestedAt.AddMinutes(5),
            Votes: [],
            Reason: null,
            ResolvedAt: null);

    public static ApproverVote Vote(string name, string? slackUserId, bool approve, string? reason = null, int? grantMinutes = null) =>
        new(name, slackUserId, approve, reason, RequestedAt.AddMinutes(4).AddSeconds(11), "slack", grantMinutes);

    public static ApprovalSnapshot Resolved(this ApprovalSnapshot pending, ApprovalStatus status, string? reason = null, params ApproverVote[] votes) =>
        pending with
        {
            Status = status,
            Votes = votes,
            Reason = reason,
            ResolvedAt = new DateTimeOffset(2025, 3, 14, 14, 2, 11, TimeSpan.Zero),
        };
}
