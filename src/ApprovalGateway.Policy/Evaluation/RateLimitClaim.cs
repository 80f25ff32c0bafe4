using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Model;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>The rate limit a decision must still pass: the rule, its limit, and the scope it counts for.</summary>
internal readonly record struct RateLimitClaim(CompiledRule Rule, RateLimitDocument Limit, string Scope)
{
    /// <summary>The decision when the store counted the call within the limit, else a refusal saying why.</summary>
    public PolicyDecision Apply(PolicyDecision decision, RateLimitResult acquired) =>
        acquired.Allowed
            ? decision
            : new PolicyDecision(DecisionKind.RateLimited, Rule.Name, acquired.Reason ?? Rule.RateLimitReason, acquired.RetryAfterSeconds);
}
