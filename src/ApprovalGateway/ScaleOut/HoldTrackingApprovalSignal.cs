using ApprovalGateway.Approvals;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// A call is held from when the gate subscribes to its approval's signal, so the subscription is where this instance
/// records the hold; the gate subscribes before the approval is shown, so no approver sees an approval without one.
/// A hold that cannot be recorded fails the subscription: the gate refuses the call without showing its approval,
/// and abandons it, which releases whatever part of the hold was recorded.
/// The hold outlives the wait: it is removed once the call's outcome is in the audit log
/// (<see cref="SharedApprovalOutcomeAudit"/>, or the sweep of <see cref="OrphanedApprovalReaper"/>), so an instance
/// that dies between a decision and its record leaves the survivors a hold to find and record.
/// </summary>
internal sealed class HoldTrackingApprovalSignal(IApprovalSignal inner, HeldApprovals held) : IApprovalSignal
{
    public void Publish(string approvalId) => inner.Publish(approvalId);

    public IDisposable Subscribe(string approvalId, Action onSignal)
    {
        held.Hold(approvalId);
        return inner.Subscribe(approvalId, onSignal);
    }

    public void Abandon(string approvalId) => held.Release(approvalId);
}
