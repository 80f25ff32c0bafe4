using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Proxy;

/// <summary>The policy as the proxy sees it: one decision per call, and whether a tool is hidden from an agent.</summary>
internal interface IToolCallPolicy
{
    /// <summary>Decides one call; awaited only when its rate limit is counted in another process (Redis).</summary>
    ValueTask<PolicyDecision> DecideAsync(in ToolCallFacts facts);

    /// <summary>
    /// Decides a call again under the policy in force now, counting no rate limit: for a held call about to be
    /// released, whose limits were counted when it arrived.
    /// </summary>
    ValueTask<PolicyDecision> RecheckAsync(in ToolCallFacts facts);

    bool IsHidden(string tool, string? agent);

    /// <summary>The tool's risk with the policy's own classification overrides applied.</summary>
    ToolRisk ApplyOverrides(string tool, ToolRisk risk);
}
