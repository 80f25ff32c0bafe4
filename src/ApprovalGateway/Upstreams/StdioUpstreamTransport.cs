using System.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Starts a stdio upstream's process and speaks MCP over its stdin and stdout. The gateway has this instead of the
/// SDK's stdio transport, which reads every line whole: here no line of the upstream's stdout or stderr may hold more
/// than a cap, so a runaway child cannot fill the gateway's memory.
/// </summary>
internal sealed class StdioUpstreamTransport(string name, ProcessStartInfo start, long maxMessageBytes, ILogger logger)
    : IClientTransport
{
    public string Name => name;

    public Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception ex)
        {
            process.Dispose();
            throw new IOException($"'{start.FileName}' could not be started: {ex.Message}", ex);
        }

        return Task.FromResult<ITransport>(new StdioUpstreamSession(name, process, maxMessageBytes, logger));
    }
}
