namespace ApprovalGateway.Approvals;

/// <summary><c>{"reason":"..."}</c>, or no body at all.</summary>
internal sealed record RevokeRequestBody(string? Reason);
