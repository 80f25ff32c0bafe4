using System.Collections.Concurrent;

namespace ApprovalGateway.Tests.Web;

/// <summary>What the page sent to the in-test APIs, so tests check the requests a person's clicks made.</summary>
internal sealed class TestApiRecorder
{
    /// <summary>Bodies of <c>POST /api/approvals/{id}/decision</c> that passed the anti-forgery check.</summary>
    public ConcurrentQueue<string> DecisionBodies { get; } = new();

    /// <summary>Query strings of <c>GET /api/audit</c>, in order.</summary>
    public ConcurrentQueue<string> AuditQueries { get; } = new();
}
