using ModelContextProtocol.Client;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// One way an agent reaches the echo tool: straight to the upstream, through the gateway, through mcp-proxy.
/// <paramref name="ProxyCpu"/> reads the CPU time of the process in between, when there is one.
/// </summary>
internal sealed record CallPath(string Name, Func<Task<McpClient>> ConnectAsync, Func<TimeSpan>? ProxyCpu = null);
