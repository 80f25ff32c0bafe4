using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Proxy;

/// <summary>The policy as the proxy sees it: one decision per call, and whether a tool is hidden from an agent.</summary>
internal interface IToolCallPolicy
{
    PolicyDecision Decide(in ToolCallFacts facts);

    bool IsHidden(string tool, string? agent);
}
