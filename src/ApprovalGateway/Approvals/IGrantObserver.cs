namespace ApprovalGateway.Approvals;

/// <summary>
/// Told whenever this instance gives a time-boxed grant or ends one early, so the live page can show the grants in
/// force. Implementations must not throw and must return quickly: they run on the decision path.
/// </summary>
internal interface IGrantObserver
{
    void OnGrantsChanged();
}
