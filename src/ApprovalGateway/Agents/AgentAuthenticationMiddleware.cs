using System.Net;
using ApprovalGateway.Audit;
using ApprovalGateway.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ApprovalGateway.Agents;

/// <summary>
/// Guards the MCP endpoint: a request without a valid agent key is answered 401 here and never reaches the proxy.
/// Approver tokens and cookies mean nothing on this path. With no agents configured, callers on this machine are the
/// agent <c>anonymous</c> and others are refused (403), as the page serves only this machine without approvers.
/// </summary>
internal sealed class AgentAuthenticationMiddleware(
    RequestDelegate next,
    PathString mcpPath,
    AgentDirectory agents,
    ILogger<AgentAuthenticationMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context, RefusalAudit refusals)
    {
        if (!context.Request.Path.StartsWithSegments(mcpPath))
        {
            return next(context);
        }

        if (!agents.RequiresKeys && !IsFromThisMachine(context))
        {
            // Before, a gateway published with --urls http://0.0.0.0:5180 and no agent keys ran anyone's calls.
            return RefuseAsync(context, refusals, NotThisMachine, StatusCodes.Status403Forbidden);
        }

        var header = context.Request.Headers.Authorization.ToString();
        string? key = null;
        string? problem = null;
        if (agents.RequiresKeys)
        {
            if (header.Length == 0)
            {
                problem = "Missing API key: send Authorization: Bearer <key>.";
            }
            else if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                problem = "Malformed Authorization header: expected Bearer <key>.";
            }
            else
            {
                key = header["Bearer ".Length..].Trim();
            }
        }

        var agent = problem is null ? agents.Authenticate(key) : null;
        if (agent is null)
        {
            return RefuseAsync(context, refusals, problem ?? "Invalid API key.", StatusCodes.Status401Unauthorized, invalidToken: problem is null);
        }

        context.Features.Set<IAgentFeature>(new AgentFeature(agent));
        return next(context);
    }

    private const string NotThisMachine =
        "No agents are configured (Gateway:Agents), so this gateway serves MCP only to callers on its own machine; give each agent a key to accept others.";

    // No address: a Unix domain socket, which only processes on this machine can connect to.
    private static bool IsFromThisMachine(HttpContext context) =>
        context.Connection.RemoteIpAddress is not { } ip || IPAddress.IsLoopback(ClientAddress.Plain(ip));

    private async Task RefuseAsync(HttpContext context, RefusalAudit refusals, string reason, int status, bool invalidToken = false)
    {
        if (await refusals.RecordAsync(RefusalDoor.Mcp, $"{context.Request.Method} {mcpPath} refused: {reason}", context.Connection.RemoteIpAddress))
        {
            Log.AgentRefused(logger, context.Connection.RemoteIpAddress?.ToString(), reason);
        }

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers[HeaderNames.WWWAuthenticate] = invalidToken ? "Bearer error=\"invalid_token\"" : "Bearer";
        }

        await context.Response.WriteAsJsonAsync(AgentAuthError.Refused(reason), AgentJsonContext.Default.AgentAuthError, contentType: null, context.RequestAborted);
    }
}
