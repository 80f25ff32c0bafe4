namespace ApprovalGateway.Approvals;

/// <summary>One approver's answer, from whichever channel it came ("slack", "web", "api", "elicitation").</summary>
internal sealed record ApproverVote(
    string Approver,
    string? SlackUserId,
    bool Approve,
    string? Reason,
    DateTimeOffset At,
    string Channel,
    int? GrantMinutes);
