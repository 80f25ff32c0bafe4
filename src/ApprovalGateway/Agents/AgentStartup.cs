using ApprovalGateway.Policy.Matching;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Agents;

/// <summary>
/// Says at startup whether the MCP endpoint is open to anyone, so nobody runs unauthenticated by accident, and which
/// agent owners name no approver: a misspelt owner (<c>alcie</c>) lets the real owner approve her own agent's calls.
/// </summary>
internal sealed class AgentStartup(IOptions<AgentOptions> options, IOptions<ApproverOptions> approvers, ILogger<AgentStartup> logger) : IHostedService
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

        // With no approver configured there is no list to hold owners against: any Slack user may decide.
        var known = approvers.Value.Approvers
            .SelectMany(a => new[] { a.Key, a.Value.SlackUserId })
            .OfType<string>()
            .Where(n => n.Length > 0)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (agent, settings) in options.Value.Agents)
        {
            if (known.Count > 0 && settings.Owner is { Length: > 0 } owner && !known.Contains(owner))
            {
                var near = ClosestName.Find(owner, approvers.Value.Approvers.Keys);
                Log.OwnerIsNoApprover(logger, agent, owner, near is null ? "" : $" (did you mean {near}?)");
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
