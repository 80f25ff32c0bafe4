namespace ApprovalGateway.Audit;

/// <summary>Searches the whole audit trail (not only the in-memory ring) for the page, the API and the CSV export.</summary>
internal interface IAuditQuery
{
    /// <summary>The matching records, newest first, at most <see cref="AuditQuery.Limit"/>.</summary>
    ValueTask<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// The same records, read as they are enumerated instead of gathered first: an export of a month's records holds
    /// a few of them in memory at a time, not all.
    /// </summary>
    IAsyncEnumerable<AuditRecord> StreamAsync(AuditQuery query, CancellationToken cancellationToken);
}
