using System.Collections.Concurrent;
using ApprovalGateway.Approvals;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// The grants in force, in memory, behind the gateway's own <c>GET /api/grants</c> handler: none unless a test adds
/// some. One per agent, upstream and tool, the newest replacing the one before, as the real store keeps them.
/// </summary>
internal sealed class TestGrants : IGrantStore
{
    private readonly ConcurrentDictionary<(string Agent, string Upstream, string Tool), ApprovalGrant> _grants = new();

    public void Add(ApprovalGrant grant) => _grants[(grant.Agent, grant.Upstream, grant.Tool)] = grant;

    public ApprovalGrant? Find(string agent, string upstream, string tool, DateTimeOffset now) =>
        _grants.TryGetValue((agent, upstream, tool), out var grant) && now < grant.Until ? grant : null;

    public IReadOnlyList<ApprovalGrant> List(DateTimeOffset now) => [.. _grants.Values.Where(g => now < g.Until).OrderBy(g => g.Until)];

    public ApprovalGrant? Revoke(string approvalId, DateTimeOffset now)
    {
        foreach (var (key, grant) in _grants)
        {
            if (grant.ApprovalId == approvalId && now < grant.Until && _grants.TryRemove(new(key, grant)))
            {
                return grant;
            }
        }

        return null;
    }
}
