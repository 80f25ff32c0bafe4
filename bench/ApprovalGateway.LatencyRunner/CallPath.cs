using ModelContextProtocol.Client;

namespace ApprovalGateway.LatencyRunner;

/// <summary>One way an agent reaches the echo tool: straight to the upstream, through the gateway, through mcp-proxy.</summary>
internal sealed record CallPath(string Name, Func<Task<McpClient>> ConnectAsync);
