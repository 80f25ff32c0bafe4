namespace ApprovalGateway.Approvals;

/// <param name="Grant">The grant as it stood when it was ended.</param>
internal sealed record RevokeResponseBody(string Message, GrantView Grant, string RevokedBy, DateTimeOffset RevokedAt);
