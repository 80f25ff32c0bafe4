namespace ApprovalGateway.Proxy.Tasks;

/// <summary>The MCP task states the gateway uses; it never asks the agent for input, so never <c>input_required</c>.</summary>
internal enum GatewayTaskStatus
{
    Working,
    Completed,
    Failed,
    Cancelled,
}
