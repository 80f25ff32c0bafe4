namespace ApprovalGateway.Audit;

/// <summary>
/// Told after this instance stored a record, so the live page's Audit tab can offer it. Implementations must not
/// throw and must return at once: they run on the path of every call.
/// </summary>
internal interface IAuditObserver
{
    void OnAppended();
}
