namespace ApprovalGateway.Agents;

/// <summary>The authenticated agent of an MCP request, set on <c>HttpContext.Features</c> by the agent middleware.</summary>
internal interface IAgentFeature
{
    AgentIdentity Agent { get; }
}
