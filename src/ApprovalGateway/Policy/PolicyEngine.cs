using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Proxy;

namespace ApprovalGateway.Policy;

/// <summary>
/// What the proxy calls per request: the decision for one call and whether a tool is hidden, always against the
/// policy in force. Rate-limit counters live here, not in the policy, so they survive reloads: in this process by
/// default, in Redis when several instances share them.
/// </summary>
internal sealed class PolicyEngine(PolicyStore store, IRateLimitStore limiter) : IToolCallPolicy
{
    /// <summary>Decides a call. Hidden means: answer exactly as for an unknown tool.</summary>
    public ValueTask<PolicyDecision> DecideAsync(in ToolCallFacts facts) => store.Current.EvaluateAsync(facts, limiter);

    public ValueTask<PolicyDecision> RecheckAsync(in ToolCallFacts facts) => store.Current.EvaluateAsync(facts, UncountedRateLimits.Instance);

    /// <summary>True when the tool must be left out of tools/list for this agent.</summary>
    public bool IsHidden(string tool, string? agent) => store.Current.IsHidden(tool, agent);

    /// <summary>The classifier's verdict with the policy's <c>classify</c> overrides applied.</summary>
    public ToolRisk Classify(ToolDescriptor tool) => store.Current.ClassifyOverride(tool.Name, RiskClassifier.Classify(tool));

    /// <summary>Applies the policy's <c>classify</c> overrides to a risk computed earlier (e.g. by the catalogue).</summary>
    public ToolRisk ApplyOverrides(string tool, ToolRisk risk) => store.Current.ClassifyOverride(tool, risk);

    public PolicyPreview Preview(string tool, string? agent, ToolRisk risk) => store.Current.Preview(tool, agent, risk);

    private sealed class UncountedRateLimits : IRateLimitStore
    {
        public static readonly UncountedRateLimits Instance = new();

        public ValueTask<RateLimitResult> AcquireAsync(string rule, string scope, int max, int windowSeconds) => ValueTask.FromResult(RateLimitResult.Granted);
    }
}
