namespace ApprovalGateway.Proxy.Resumption;

internal static class AnsweredStreamResumption
{
    /// <summary>
    /// Answers a GET that resumes, with <c>Last-Event-ID</c>, a request's stream from its answer or later with 405: the
    /// agent has the answer, and the stream (ended after it, as Streamable HTTP says) has nothing more to replay.
    /// </summary>
    /// <remarks>
    /// Only a client that missed that it had the answer asks this: the TypeScript SDK's (1.x) takes a JSON-RPC error
    /// on a POST's stream for no answer, and resumes the stream. Replaying nothing and closing, the SDK's way, sends it
    /// on to a GET of its own, which the session's open GET stream makes a 400, retried until it gives up, each
    /// failure an error its host shows for what was an ordinary error answer. A 405 is the one refusal Streamable HTTP
    /// gives a GET ("no SSE stream here"), and that client takes it quietly; holding the stream open instead would
    /// keep a connection per error answer until the session ends.
    /// </remarks>
    public static IApplicationBuilder UseMcpAnsweredStreamResumption(this IApplicationBuilder app, PathString mcpPath)
    {
        var store = app.ApplicationServices.GetRequiredService<ResumableStreamStore>();
        var logger = app.ApplicationServices.GetRequiredService<ILogger<ResumableStreamStore>>();
        return app.Use((context, next) =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) || !context.Request.Path.StartsWithSegments(mcpPath)
                || context.Request.Headers["Last-Event-ID"].ToString() is not { Length: > 0 } lastEventId
                || context.Request.Headers["Mcp-Session-Id"].ToString() is not { Length: > 0 } sessionId
                || !store.IsAnsweredThrough(sessionId, lastEventId))
            {
                return next(context);
            }

            Log.AnsweredStreamResumed(logger, sessionId, lastEventId);
            // The endpoint does take a GET without Last-Event-ID; this one has no stream to get.
            context.Response.Headers.Allow = "POST, DELETE";
            return McpEndpointExtensions.WriteJsonRpcErrorAsync(context, StatusCodes.Status405MethodNotAllowed, -32000,
                $"Method Not Allowed: the stream of event '{lastEventId}' ended after the answer to its request, which was " +
                "sent on it: there is nothing more to resume. The session's own stream is a GET without Last-Event-ID.");
        });
    }
}
