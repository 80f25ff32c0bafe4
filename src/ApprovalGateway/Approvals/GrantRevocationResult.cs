namespace ApprovalGateway.Approvals;

/// <param name="Audited">False when the grant ended but the audit log could not record it (the gateway log says why).</param>
internal sealed record GrantRevocationResult(ApprovalGrant Grant, DateTimeOffset RevokedAt, bool Audited);
