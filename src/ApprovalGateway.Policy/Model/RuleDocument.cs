using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Model;

/// <summary>
/// A rule as written under <c>tools</c>, <c>risk</c> or an agent: an action (allow when omitted, so <c>{}</c>
/// allows), a reason shown on deny, an optional rate limit, conditions tried in order, and approval settings.
/// </summary>
public sealed record RuleDocument
{
    public PolicyAction Action { get; init; } = PolicyAction.Allow;

    public string? Reason { get; init; }

    public RateLimitDocument? RateLimit { get; init; }

    public IReadOnlyList<ConditionDocument> When { get; init; } = [];

    /// <summary>The approval block with defaults applied; <see cref="ApprovalSettings.Default"/> when absent.</summary>
    public ApprovalSettings Approval { get; init; } = ApprovalSettings.Default;
}
