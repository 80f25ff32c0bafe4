namespace ApprovalGateway.Audit;

/// <summary>The sink, telling the <see cref="IAuditObserver"/>s once each record is stored.</summary>
internal sealed class ObservedAuditLog(IAuditLog sink, IEnumerable<IAuditObserver> observers) : IAuditLog
{
    private readonly IAuditObserver[] observers = [.. observers];

    public async ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        await sink.AppendAsync(record, cancellationToken);
        foreach (var observer in observers)
        {
            observer.OnAppended();
        }
    }

    public IReadOnlyList<AuditRecord> Recent(int limit) => sink.Recent(limit);
}
