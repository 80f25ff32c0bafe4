using System.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Starts a stdio upstream's process (or takes its spare) and speaks MCP over its stdin and stdout. The gateway has
/// this instead of the SDK's stdio transport, which reads every line whole: here no line of the upstream's stdout or
/// stderr may hold more than a cap, so a runaway child cannot fill the gateway's memory.
/// </summary>
internal sealed class StdioUpstreamTransport(
    string name, ProcessStartInfo start, long maxMessageBytes, StdioSpareProcesses processes, bool keepSpare, ILogger logger)
    : IClientTransport
{
    public string Name => name;

    public Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<ITransport>(new StdioUpstreamSession(name, processes.Start(name, start, keepSpare), maxMessageBytes, logger));
}
