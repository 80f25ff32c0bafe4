namespace ApprovalGateway.Approvals;

/// <summary>
/// Wakes the calls waiting on an approval right after its stored state changed. In-process by default; with
/// shared storage, <c>ScaleOut.CrossInstanceApprovalSignal</c> also wakes waiters on other gateway instances
/// over Redis pub/sub or PostgreSQL LISTEN/NOTIFY.
/// </summary>
internal interface IApprovalSignal
{
    void Publish(string approvalId);

    /// <summary>Calls <paramref name="onSignal"/> on every publish for the approval until disposed.</summary>
    IDisposable Subscribe(string approvalId, Action onSignal);
}
