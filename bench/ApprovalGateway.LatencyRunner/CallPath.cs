using ModelContextProtocol.Client;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// One way an agent reaches the echo tool: straight to the upstream, through the gateway, through mcp-proxy or a
/// bare relay. <paramref name="ProxyCpu"/> reads the CPU time of the process in between, when there is one;
/// <paramref name="HasTargets"/> marks the paths the README's targets are judged on (the gateway's);
/// <paramref name="JitTimeAsync"/> reads how long the runtime in between has spent compiling, when it says (the gateway's metrics).
/// </summary>
internal sealed record CallPath(
    string Name,
    Func<Task<McpClient>> ConnectAsync,
    Func<TimeSpan>? ProxyCpu = null,
    bool HasTargets = false,
    Func<Task<TimeSpan>>? JitTimeAsync = null);
