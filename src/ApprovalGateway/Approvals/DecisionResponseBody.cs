namespace ApprovalGateway.Approvals;

/// <param name="Result">resolved, awaiting_more_approvals or already_resolved.</param>
internal sealed record DecisionResponseBody(string Result, string Message, ApprovalView? Approval);
