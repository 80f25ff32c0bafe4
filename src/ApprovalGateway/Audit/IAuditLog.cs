namespace ApprovalGateway.Audit;

/// <summary>
/// The audit sink. <see cref="AppendAsync"/> returns once the record is stored: a record that lets a call go
/// (<see cref="AuditRecord.LetsCallGo"/>) is durable before the call is sent, and every other record is written
/// before the agent gets its answer, never after.
/// </summary>
internal interface IAuditLog
{
    ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken);

    /// <summary>The newest records first, at most <paramref name="limit"/>, for the page and the API.</summary>
    IReadOnlyList<AuditRecord> Recent(int limit);
}
