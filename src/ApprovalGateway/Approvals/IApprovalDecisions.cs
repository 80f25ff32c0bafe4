namespace ApprovalGateway.Approvals;

/// <summary>
/// The one decision service behind every channel (Slack, the page, the REST API, elicitation).
/// A channel renders and collects; it never decides on its own.
/// </summary>
internal interface IApprovalDecisions
{
    Task<DecisionResult> DecideAsync(
        string approvalId,
        ApproverIdentity approver,
        bool approve,
        string? reason,
        int? grantMinutes,
        string channel,
        CancellationToken cancellationToken);

    ApprovalSnapshot? Get(string approvalId);

    IReadOnlyList<ApprovalSnapshot> List(ApprovalStatus? status);
}
