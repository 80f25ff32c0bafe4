using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Audit;

/// <summary>
/// Which <see cref="DecisionKind"/> words a record holds in its <c>decision</c> and which in its <c>outcome</c>: the
/// lists the page's Audit filters offer (a test holds <c>wwwroot/index.html</c> to them). A new kind counts as a
/// decision unless it is named here as an outcome only, so it cannot be written without the page offering it.
/// </summary>
internal static class AuditKinds
{
    /// <summary>What became of a call after the policy decided; never a record's decision.</summary>
    public static readonly IReadOnlySet<DecisionKind> OutcomeOnly = new HashSet<DecisionKind>
    {
        DecisionKind.Approved,
        DecisionKind.Rejected,
        DecisionKind.Expired,
        DecisionKind.Withdrawn,
        DecisionKind.Forwarding,
        DecisionKind.Forwarded,
        DecisionKind.UpstreamFailed,
    };

    /// <summary>What the policy decided before anything happened to the call; never a record's outcome.</summary>
    public static readonly IReadOnlySet<DecisionKind> DecisionOnly = new HashSet<DecisionKind>
    {
        DecisionKind.Allowed,
        DecisionKind.ApprovalRequired,
    };

    /// <summary>
    /// Every word a record's <c>decision</c> holds: the policy's (allowed, hidden, denied, rate_limited,
    /// approval_required) and those of records written before or without it (unknown_tool, invalid_arguments,
    /// invalid_request, unauthenticated, grant_revoked, policy_loaded, policy_rejected).
    /// </summary>
    public static IEnumerable<DecisionKind> Decisions => Enum.GetValues<DecisionKind>().Where(k => !OutcomeOnly.Contains(k));

    /// <summary>
    /// Every word the <c>outcome</c> filter takes: each record's outcome, and <c>approved</c>, which no record has but
    /// which finds the held calls that went on (<see cref="AuditQuery.ApprovedOutcome"/>).
    /// </summary>
    public static IEnumerable<DecisionKind> Outcomes => Enum.GetValues<DecisionKind>().Where(k => !DecisionOnly.Contains(k));
}
