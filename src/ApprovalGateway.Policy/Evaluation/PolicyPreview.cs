using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Model;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>
/// What the policy gives a tool before seeing any arguments: the rule's own outcome, whether conditions may
/// change it, and its rate limit. Used by the tool catalogue API; counts nothing.
/// </summary>
public sealed record PolicyPreview(DecisionKind Kind, string Rule, bool HasConditions, RateLimitDocument? RateLimit);
