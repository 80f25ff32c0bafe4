using ApprovalGateway.Approvals;
using ApprovalGateway.ScaleOut;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// Notes, when an approval is first shown as pending (on the pages, in Slack), whether the shared storage already says
/// this instance holds its call: shown before that, it is an approval no survivor withdraws should the instance die.
/// </summary>
internal sealed class HoldWhenShown(HeldApprovals held) : IApprovalObserver
{
    private readonly TaskCompletionSource<bool> _shown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True when the first approval shown was held by then.</summary>
    public Task<bool> FirstShownWasHeld => _shown.Task;

    public void OnChanged(ApprovalSnapshot approval)
    {
        if (approval.Status == ApprovalStatus.Pending && !_shown.Task.IsCompleted)
        {
            _shown.TrySetResult(held.ReadAll().Any(h => h.Instance == held.Instance && h.ApprovalId == approval.Id));
        }
    }
}
