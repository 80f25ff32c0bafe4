namespace ApprovalGateway.Approvals;

/// <summary>The part of an approval that never changes, kept in the <c>approval</c> job parameter.</summary>
internal sealed record StoredApproval(ApprovalRequest Request, DateTimeOffset RequestedAt, DateTimeOffset Deadline);
