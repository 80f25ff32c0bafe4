using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Model;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>
/// What the policy gives a tool before seeing any arguments: the rule's own outcome, whether conditions may
/// change it, and its rate limit. Used by the tool catalogue API; counts nothing.
/// </summary>
public sealed record PolicyPreview(DecisionKind Kind, string Rule, bool HasConditions, RateLimitDocument? RateLimit)
{
    /// <summary>The rule's <c>when</c> entries in order, each with what it turns the call into when it holds.</summary>
    public IReadOnlyList<PolicyPreviewCondition> Conditions { get; init; } = [];
}
