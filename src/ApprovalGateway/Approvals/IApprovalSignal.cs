namespace ApprovalGateway.Approvals;

/// <summary>
/// Wakes the calls waiting on an approval right after its stored state changed. In-process today; a
/// PostgreSQL LISTEN/NOTIFY or Redis pub/sub implementation wakes waiters on other gateway instances.
/// </summary>
internal interface IApprovalSignal
{
    void Publish(string approvalId);

    /// <summary>Calls <paramref name="onSignal"/> on every publish for the approval until disposed.</summary>
    IDisposable Subscribe(string approvalId, Action onSignal);
}
