using ApprovalGateway.Approvals;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// A call is held exactly while the gate subscribes to its approval's signal, so the subscription is where
/// this instance records the hold and, once the wait ends, removes it.
/// </summary>
internal sealed class HoldTrackingApprovalSignal(IApprovalSignal inner, HeldApprovals held) : IApprovalSignal
{
    public void Publish(string approvalId) => inner.Publish(approvalId);

    public IDisposable Subscribe(string approvalId, Action onSignal)
    {
        held.Hold(approvalId);
        return new Hold(inner.Subscribe(approvalId, onSignal), held, approvalId);
    }

    private sealed class Hold(IDisposable subscription, HeldApprovals held, string approvalId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                subscription.Dispose();
                held.Release(approvalId);
            }
        }
    }
}
