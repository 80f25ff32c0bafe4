using ApprovalGateway.Audit;
using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Tests;

internal static class AuditLogExtensions
{
    private static readonly string[] PolicyOutcomes = [DecisionKind.PolicyLoaded.ToWireName(), DecisionKind.PolicyRejected.ToWireName()];

    /// <summary>
    /// <see cref="IAuditLog.Recent"/> without the records of the policy (a gateway writes the one it starts with
    /// first), for tests about what became of requests.
    /// </summary>
    public static IReadOnlyList<AuditRecord> RecentRequests(this IAuditLog log, int limit) =>
        [.. log.Recent(limit + 1).Where(r => !PolicyOutcomes.Contains(r.Outcome)).Take(limit)];
}
