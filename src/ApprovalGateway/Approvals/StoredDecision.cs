namespace ApprovalGateway.Approvals;

/// <summary>
/// The part of an approval that changes, kept whole in the <c>decision</c> job parameter so a reader never
/// sees a status without its votes.
/// </summary>
/// <param name="ReleasedByGrant">The grant that approved the call while it waited, when one did.</param>
/// <param name="GrantLimit">What the policy in force at the approval let it give as a grant, where less than asked for.</param>
/// <param name="OutcomeRecorded">Set once the ended approval's outcome is in the audit log, so no other instance writes it again.</param>
internal sealed record StoredDecision(
    ApprovalStatus Status,
    IReadOnlyList<ApproverVote> Votes,
    string? Reason,
    DateTimeOffset? ResolvedAt,
    GrantRevocationNote? GrantRevoked = null,
    bool OutcomeRecorded = false,
    GrantRelease? ReleasedByGrant = null,
    GrantLimit? GrantLimit = null);
