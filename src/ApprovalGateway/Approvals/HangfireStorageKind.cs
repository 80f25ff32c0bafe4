namespace ApprovalGateway.Approvals;

/// <summary>Where Hangfire keeps pending approvals, grants and jobs (<c>Hangfire:Storage</c>).</summary>
internal enum HangfireStorageKind
{
    InMemory,
    PostgreSql,
}
