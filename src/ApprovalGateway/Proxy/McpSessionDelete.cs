using ApprovalGateway.Approvals;
using ApprovalGateway.Upstreams;

namespace ApprovalGateway.Proxy;

internal static class McpSessionDelete
{
    // Long enough for a withdrawal's audit record; a request that takes longer is cut off with the session, as before.
    private static readonly TimeSpan AnswerPatience = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Answers a DELETE that ends no session as the MCP spec and the TypeScript SDK do, where the SDK answers 200: one
    /// whose session is gone (ended, expired, never opened) gets 404 with -32001, so a client knows it has no session
    /// to end.
    /// </summary>
    public static IApplicationBuilder UseMcpSessionDelete(this IApplicationBuilder app, PathString mcpPath)
    {
        var live = app.ApplicationServices.GetRequiredService<LiveSessionIds>();
        return app.Use(async (context, next) =>
        {
            if (!HttpMethods.IsDelete(context.Request.Method) || !context.Request.Path.StartsWithSegments(mcpPath))
            {
                await next(context);
                return;
            }

            // Without Mcp-Session-Id only a DELETE on a revision without sessions (2026-07-28 on) gets here, the rest
            // having had their 400 from UseMcpSessionIdRequired: that revision has no session to end, and the SDK says so (405).
            var sessionId = context.Request.Headers["Mcp-Session-Id"].ToString();
            if (sessionId.Length == 0)
            {
                await next(context);
            }
            else if (live.Find(sessionId) is not { } session)
            {
                await McpEndpointExtensions.WriteJsonRpcErrorAsync(context, StatusCodes.Status404NotFound, -32001, "Session not found");
            }
            else
            {
                // Said before the SDK ends the session, which withdraws its held calls: they say why. Only by the agent
                // whose session it is; the SDK refuses anyone else's DELETE.
                var own = McpEndpointExtensions.AgentName(context.User) == session.Identity.Agent;
                if (own)
                {
                    session.EndingBecause(ApprovalText.SessionDeletedReason);

                    // The SDK closes the session's streams as it ends it: requests still under way are answered first,
                    // unless the SDK may yet refuse this DELETE for its protocol version and keep the session.
                    var version = context.Request.Headers["MCP-Protocol-Version"].ToString();
                    if (version.Length == 0 || UpstreamConnector.InitializeVersions.Contains(version))
                    {
                        await session.EndRequestsAsync(AnswerPatience);
                    }
                }

                await next(context);

                // Refused (its protocol version header, say), the DELETE ended nothing: a call withdrawn later must not
                // blame it.
                if (own && context.Response.StatusCode >= StatusCodes.Status400BadRequest)
                {
                    session.EndingBecause(null);
                }
            }
        });
    }
}
