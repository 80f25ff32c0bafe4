using ApprovalGateway.Audit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ApprovalGateway.Agents;

/// <summary>
/// Guards the MCP endpoint: a request without a valid agent key is answered 401 here and never reaches the proxy.
/// Approver tokens and cookies mean nothing on this path.
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
            return RefuseAsync(context, refusals, problem ?? "Invalid API key.", invalidToken: problem is null);
        }

        context.Features.Set<IAgentFeature>(new AgentFeature(agent));
        return next(context);
    }

    private async Task RefuseAsync(HttpContext context, RefusalAudit refusals, string reason, bool invalidToken)
    {
        if (await refusals.RecordAsync($"{context.Request.Method} {mcpPath} refused: {reason}", context.Connection.RemoteIpAddress))
        {
            Log.AgentRefused(logger, context.Connection.RemoteIpAddress?.ToString(), reason);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers[HeaderNames.WWWAuthenticate] = invalidToken ? "Bearer error=\"invalid_token\"" : "Bearer";
        await context.Response.WriteAsJsonAsync(AgentAuthError.Unauthorized(reason), AgentJsonContext.Default.AgentAuthError, contentType: null, context.RequestAborted);
    }
}
