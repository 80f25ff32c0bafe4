namespace ApprovalGateway.Proxy;

/// <summary>How an authenticated agent appears on <c>HttpContext.User</c> for the MCP endpoint.</summary>
internal static class AgentClaims
{
    public const string Owner = "agent_owner";

    public const string Anonymous = "anonymous";
}
