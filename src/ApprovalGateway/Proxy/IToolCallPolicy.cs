using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Proxy;

/// <summary>The policy as the proxy sees it: one decision per call, and whether a tool is hidden from an agent.</summary>
internal interface IToolCallPolicy
{
    /// <summary>Decides one call; awaited only when its rate limit is counted in another process (Redis).</summary>
    ValueTask<PolicyDecision> DecideAsync(in ToolCallFacts facts);

    bool IsHidden(string tool, string? agent);

    /// <summary>The tool's risk with the policy's own classification overrides applied.</summary>
    ToolRisk ApplyOverrides(string tool, ToolRisk risk);
}
