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

    /// <summary>
    /// The call subscribed for approval <paramref name="approvalId"/> was refused before its approval was shown, or while
    /// it was, and its record is written without it. With shared storage the hold its subscription recorded goes too: left, it
    /// would have a survivor withdraw and record the call a second time should this instance die.
    /// </summary>
    void Abandon(string approvalId)
    {
    }
}
