using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Approvals;

/// <summary>How a hold ended: Approved, Rejected, Expired or Withdrawn; RateLimited when it never began (Approvals:MaxPendingPerAgent).</summary>
/// <param name="DecidedBy">The approvers who decided, in order (empty for Expired and Withdrawn).</param>
/// <param name="ViaGrant">True when a time-boxed grant approved the call without a new prompt.</param>
internal sealed record ApprovalOutcome(
    DecisionKind Kind,
    string ApprovalId,
    IReadOnlyList<string> DecidedBy,
    string? Reason,
    bool ViaGrant = false);
