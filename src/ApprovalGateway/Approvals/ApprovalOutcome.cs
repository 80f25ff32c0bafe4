using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Approvals;

/// <summary>How a hold ended: Approved, Rejected, Expired or Withdrawn; RateLimited when it never began (Approvals:MaxPendingPerAgent).</summary>
/// <param name="DecidedBy">The approvers who decided, in order (empty for Expired and Withdrawn).</param>
/// <param name="ViaGrant">True when a time-boxed grant approved the call without a new prompt (<see cref="ApprovalId"/> is the grant's).</param>
/// <param name="GrantApprovalId">The approval whose time-boxed grant, given while this call waited, released it
/// (<see cref="ApprovalId"/> is then the call's own approval).</param>
/// <param name="NotHeld">True when the call was refused because its approval could not be stored, held or shown:
/// <see cref="ApprovalId"/> is then the approval created for it, if any, which the gate ends itself, so the call's
/// record is written as that of a call never held.</param>
internal sealed record ApprovalOutcome(
    DecisionKind Kind,
    string ApprovalId,
    IReadOnlyList<string> DecidedBy,
    string? Reason,
    bool ViaGrant = false,
    string? GrantApprovalId = null,
    bool NotHeld = false)
{
    /// <summary>The approval whose time-boxed grant released the call, whether it came later or was already waiting.</summary>
    public string? ReleasingGrant => ViaGrant ? ApprovalId : GrantApprovalId;
}
