using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Agents;

internal static partial class Log
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Warning, Message = "No agents are configured under Gateway:Agents: every MCP caller on this machine is the agent 'anonymous', without a key, and callers from elsewhere are refused")]
    public static partial void AnonymousAgents(ILogger logger);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "{Count} agents configured; the MCP endpoint requires an API key")]
    public static partial void AgentsConfigured(ILogger logger, int count);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Refused an MCP request from {RemoteIp}: {Reason}")]
    public static partial void AgentRefused(ILogger logger, string? remoteIp, string reason);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Gateway:Agents:{Agent}:Owner is '{Owner}', which is no configured approver's name or Slack user id{Hint}, so it keeps no approver from deciding this agent's calls")]
    public static partial void OwnerIsNoApprover(ILogger logger, string agent, string owner, string hint);
}
