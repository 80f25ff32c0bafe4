namespace ApprovalGateway.Approvals;

/// <summary>An approval as stored, at one moment: what the channels render and the API returns.</summary>
internal sealed record ApprovalSnapshot(
    string Id,
    ApprovalStatus Status,
    ApprovalRequest Request,
    DateTimeOffset RequestedAt,
    DateTimeOffset Deadline,
    IReadOnlyList<ApproverVote> Votes,
    string? Reason,
    DateTimeOffset? ResolvedAt);
