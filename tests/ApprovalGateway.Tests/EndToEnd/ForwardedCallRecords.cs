using System.Text.Json.Nodes;
using ApprovalGateway.Audit;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// A call that reached the upstream leaves two audit records: <c>forwarding</c>, written before it was sent, then
/// its outcome. Both describe the same call, so an auditor can pair them.
/// </summary>
internal static class ForwardedCallRecords
{
    /// <summary>Asserts <paramref name="records"/> (oldest first) are one forwarded call's two records; returns the outcome one.</summary>
    public static AuditRecord Single(IReadOnlyList<AuditRecord> records, string outcome = "forwarded")
    {
        Assert.True(records.Count == 2, $"Expected one forwarded call's two records, got: {string.Join(", ", records.Select(r => r.Outcome))}");
        return Pair(records[0], records[1], outcome);
    }

    /// <summary>Asserts <paramref name="before"/> is the <c>forwarding</c> record of the call <paramref name="after"/> ended.</summary>
    public static AuditRecord Pair(AuditRecord before, AuditRecord after, string outcome = "forwarded")
    {
        Assert.Equal(("forwarding", outcome), (before.Outcome, after.Outcome));
        Assert.Equal(
            (after.Agent, after.SessionId, after.Upstream, after.Tool, after.ArgumentsSha256, after.Decision, after.Rule, after.ApprovalId),
            (before.Agent, before.SessionId, before.Upstream, before.Tool, before.ArgumentsSha256, before.Decision, before.Rule, before.ApprovalId));
        Assert.Equal(after.DecidedBy, before.DecidedBy);
        Assert.True(JsonNode.DeepEquals(after.Arguments, before.Arguments), "both records carry the same (masked) arguments");
        // Only a grant's release has a reason before the call is sent; the outcome record still says it, after how it ended.
        if (before.Reason is not null)
        {
            Assert.StartsWith("released by a time-boxed grant", before.Reason, StringComparison.Ordinal);
            Assert.EndsWith(before.Reason, after.Reason, StringComparison.Ordinal);
        }

        Assert.Equal(0d, before.UpstreamMilliseconds);
        Assert.True(before.Time <= after.Time, "the forwarding record is written first");
        return after;
    }
}
