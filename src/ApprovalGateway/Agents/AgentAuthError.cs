namespace ApprovalGateway.Agents;

/// <summary>The body of a 401 from the MCP endpoint.</summary>
internal sealed record AgentAuthError(string Error);
