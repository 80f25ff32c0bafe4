using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Agents;

/// <summary>Says at startup whether the MCP endpoint is open to anyone, so nobody runs unauthenticated by accident.</summary>
internal sealed class AgentStartup(IOptions<AgentOptions> options, ILogger<AgentStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var count = options.Value.Agents.Count;
        if (count == 0)
        {
            Log.AnonymousAgents(logger);
        }
        else
        {
            Log.AgentsConfigured(logger, count);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
