using System.Collections.Concurrent;
using ApprovalGateway.Audit;

namespace ApprovalGateway.Tests.Web;

/// <summary>The audit records the in-test <c>GET /api/audit</c> serves: the samples, and those a test writes meanwhile.</summary>
internal sealed class TestAudit(IEnumerable<IAuditObserver> observers)
{
    private readonly ConcurrentStack<AuditRecord> _written = new();

    /// <summary>Newest first, as the sinks answer.</summary>
    public IEnumerable<AuditRecord> Records(DateTimeOffset now) => [.. _written, .. ApprovalSamples.Audit(now)];

    /// <summary>Stores <paramref name="record"/> and tells the observers (the page push among them), as the sink does.</summary>
    public void Append(AuditRecord record)
    {
        _written.Push(record);
        foreach (var observer in observers)
        {
            observer.OnAppended();
        }
    }
}
