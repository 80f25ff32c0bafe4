using ApprovalGateway.Audit;
using ApprovalGateway.Hosting;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Proxy;

internal static class McpOriginCheck
{
    /// <summary>
    /// Refuses MCP requests from web pages whose origin <see cref="BrowserOrigins"/> does not allow, with 403, a
    /// JSON-RPC error saying how to allow one, and an audit record: a page the user visits must not call tools
    /// through a gateway on their machine.
    /// </summary>
    public static IApplicationBuilder UseMcpOriginCheck(this IApplicationBuilder app, PathString mcpPath)
    {
        var origins = app.ApplicationServices.GetRequiredService<BrowserOrigins>();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("ApprovalGateway.Proxy");
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(mcpPath) || origins.MayCallMcp(context.Request, out var origin))
            {
                await next(context);
                return;
            }

            var reason = $"The gateway refuses MCP requests from web pages: origin {origin} is not allowed. " +
                "To let a browser-based MCP client in, list its origin in Gateway:AllowedOrigins.";
            Log.OriginRefused(logger, origin, context.Connection.RemoteIpAddress?.ToString());
            await context.RequestServices.GetRequiredService<RefusalAudit>()
                .RecordAsync(RefusalDoor.Mcp, $"{context.Request.Method} {mcpPath} refused: {reason}", context.Connection.RemoteIpAddress);
            await McpEndpointExtensions.WriteJsonRpcErrorAsync(context, StatusCodes.Status403Forbidden, -32600, reason);
        });
    }
}
