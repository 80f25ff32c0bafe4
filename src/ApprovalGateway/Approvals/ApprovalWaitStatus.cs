namespace ApprovalGateway.Approvals;

/// <summary>Reported while a call waits, so the agent can show it and its client does not time out.</summary>
internal sealed record ApprovalWaitStatus(string ApprovalId, string Message, TimeSpan Remaining);
