namespace ApprovalGateway.Approvals;

/// <summary>
/// Holds a call until a human decides. The tool call pipeline calls this for ApprovalRequired decisions.
/// Cancelling <paramref name="cancellationToken"/> means the agent withdrew (cancelled, or its session ended):
/// the approval is marked withdrawn and the prompts say so; the method then returns a Withdrawn outcome.
/// </summary>
internal interface IApprovalGate
{
    /// <param name="cancelReason">Why the agent no longer waits (a sentence), read once <paramref name="cancellationToken"/> is cancelled.</param>
    Task<ApprovalOutcome> RequestAsync(
        ApprovalRequest request,
        IProgress<ApprovalWaitStatus>? progress,
        CancellationToken cancellationToken,
        Func<string?>? cancelReason = null);
}
