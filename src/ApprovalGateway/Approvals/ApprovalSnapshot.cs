namespace ApprovalGateway.Approvals;

/// <summary>An approval as stored, at one moment: what the channels render and the API returns.</summary>
/// <param name="GrantRevoked">Set when an approver ended the time-boxed grant this approval gave.</param>
/// <param name="ReleasedByGrant">Set when a time-boxed grant given while the call waited approved it (no vote of its own).</param>
/// <param name="GrantLimit">Set when the policy in force at its approval let it give less of a time-boxed grant than its
/// approvers asked for (none, or a shorter one), and why.</param>
/// <param name="OutcomeRecorded">Set once the audit log holds the outcome of the call (see <see cref="ApprovalStore.RecordOutcomeAsync"/>).</param>
internal sealed record ApprovalSnapshot(
    string Id,
    ApprovalStatus Status,
    ApprovalRequest Request,
    DateTimeOffset RequestedAt,
    DateTimeOffset Deadline,
    IReadOnlyList<ApproverVote> Votes,
    string? Reason,
    DateTimeOffset? ResolvedAt,
    GrantRevocationNote? GrantRevoked = null,
    bool OutcomeRecorded = false,
    GrantRelease? ReleasedByGrant = null,
    GrantLimit? GrantLimit = null);
