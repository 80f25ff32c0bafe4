namespace ApprovalGateway.Approvals;

/// <summary>What happened to one decision attempt; <see cref="Message"/> is what the approver is shown.</summary>
internal sealed record DecisionResult(DecisionResultKind Kind, ApprovalSnapshot? Approval, string Message);

internal enum DecisionResultKind
{
    /// <summary>This decision resolved the approval (approved or rejected).</summary>
    Resolved,
    /// <summary>The vote counted; the rule needs more distinct approvers.</summary>
    AwaitingMoreApprovals,
    /// <summary>Someone decided first, or the approval expired or was withdrawn; nothing changed.</summary>
    AlreadyResolved,
    /// <summary>This person may not decide this approval (not listed, the agent's owner, or voted already).</summary>
    NotAllowed,
    NotFound,
}
