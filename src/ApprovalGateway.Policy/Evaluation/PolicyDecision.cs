using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>
/// What the policy says of one call: one of Allowed, Hidden, Denied, RateLimited or ApprovalRequired,
/// the rule that decided (e.g. <c>tools["BinanceSpot*"]</c>, <c>risk.critical</c>, <c>default</c>),
/// and the details that kind carries.
/// </summary>
public sealed record PolicyDecision(
    DecisionKind Kind,
    string Rule,
    string? Reason = null,
    int? RetryAfterSeconds = null,
    ApprovalSettings? Approval = null);
