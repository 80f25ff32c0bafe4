namespace ApprovalGateway.Proxy;

internal static class McpGetStreamConflict
{
    private const string Conflict = "Conflict: Only one SSE stream is allowed per session";

    /// <summary>
    /// Answers a GET for a session's stream while the agent has that stream open already as the TypeScript SDK does:
    /// 409 "Conflict: Only one SSE stream is allowed per session", where the C# SDK says 400 and to start a new
    /// session: an agent hears what it would from the reference server. A GET with <c>Last-Event-ID</c> resumes a
    /// stream instead, and is the SDK's to answer, as is one it refuses for something else (no such session, another
    /// agent's, not asking for an event stream, a revision without sessions).
    /// </summary>
    public static IApplicationBuilder UseMcpGetStreamConflict(this IApplicationBuilder app, PathString mcpPath)
    {
        var live = app.ApplicationServices.GetRequiredService<LiveSessionIds>();
        var open = app.ApplicationServices.GetRequiredService<OpenGetStreams>();
        // Anything but a GET passes straight on, without a state machine of its own.
        return app.Use((context, next) => HttpMethods.IsGet(context.Request.Method) ? GetAsync(context, next) : next(context));

        async Task GetAsync(HttpContext context, RequestDelegate next)
        {
            var request = context.Request;
            if (!request.Path.StartsWithSegments(mcpPath)
                || request.Headers["Last-Event-ID"].ToString().Length > 0
                || !request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.OrdinalIgnoreCase)
                || McpSessionIdRequired.IsSessionless(request)
                || live.Find(request.Headers["Mcp-Session-Id"].ToString()) is not { } session
                || McpEndpointExtensions.AgentName(context.User) != session.Identity.Agent)
            {
                await next(context);
                return;
            }

            var sessionId = session.Identity.SessionId;
            if (!open.TryOpen(sessionId))
            {
                await McpEndpointExtensions.WriteJsonRpcErrorAsync(context, StatusCodes.Status409Conflict, -32000, Conflict);
                return;
            }

            try
            {
                await next(context);
            }
            finally
            {
                open.Close(sessionId);
            }
        }
    }
}
