namespace ApprovalGateway.Approvals;

internal sealed record ApiMessage(string Message);
