namespace ApprovalGateway.Audit;

/// <summary>
/// The audit sink. <see cref="AppendAsync"/> returns only once the record is durable, because the agent
/// gets its answer after the record is written, never before.
/// </summary>
internal interface IAuditLog
{
    ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken);

    /// <summary>The newest records first, at most <paramref name="limit"/>, for the page and the API.</summary>
    IReadOnlyList<AuditRecord> Recent(int limit);
}
