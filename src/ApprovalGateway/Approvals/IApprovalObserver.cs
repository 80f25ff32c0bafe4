namespace ApprovalGateway.Approvals;

/// <summary>
/// Told of every new approval and every change to one (vote, resolution). The live page's hub implements it;
/// Slack reacts through Hangfire jobs that the approval service enqueues. Implementations must not throw
/// and must return quickly: they run on the decision path.
/// </summary>
internal interface IApprovalObserver
{
    void OnChanged(ApprovalSnapshot approval);
}
