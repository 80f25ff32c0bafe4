using ApprovalGateway.Proxy.Resumption;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Proxy;

internal static class McpGetStreamConflict
{
    private const string Conflict = "Conflict: Only one SSE stream is allowed per session";

    /// <summary>The protocol versions with sessions that the SDK takes in a GET's header, as it checks them.</summary>
    private static readonly HashSet<string> SessionVersions = new(StringComparer.Ordinal) { "2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25" };

    /// <summary>
    /// Answers a GET for a session's stream as the TypeScript SDK does. While the agent has that stream open already:
    /// 409 "Conflict: Only one SSE stream is allowed per session", where the C# SDK says 400 and to start a new
    /// session. Once it dropped: a new stream (<see cref="HeldGetStream"/>), where the C# SDK refuses every GET without
    /// <c>Last-Event-ID</c> after its first for the rest of the session, and an agent whose stream carried no event id
    /// (protocol versions before 2025-11-25 have no priming event) would hear nothing unasked again. A GET with
    /// <c>Last-Event-ID</c> resumes a stream instead, and is the SDK's to answer, as is one it refuses for something
    /// else (no such session, another agent's, not asking for an event stream, a revision without sessions).
    /// </summary>
    public static IApplicationBuilder UseMcpGetStreamConflict(this IApplicationBuilder app, PathString mcpPath)
    {
        var live = app.ApplicationServices.GetRequiredService<LiveSessionIds>();
        var open = app.ApplicationServices.GetRequiredService<OpenGetStreams>();
        var time = app.ApplicationServices.GetRequiredService<TimeProvider>();
        // A client reconnects its GET within seconds of a drop; past the window it is not coming back to this stream.
        var unattendedFor = app.ApplicationServices.GetRequiredService<IOptions<ResumptionOptions>>().Value.Window;
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

            var closed = false;
            try
            {
                if (open.Held(sessionId) is { } held && SessionVersions.Contains(request.Headers["MCP-Protocol-Version"].ToString() is { Length: > 0 } v ? v : "2025-11-25"))
                {
                    await CarryAsync(context, held, sessionId);
                    return;
                }

                // The SDK's GET is held past this request: it goes on when the agent drops it, for the agent's next GET.
                var body = context.Response.Body;
                var aborted = context.RequestAborted;
                using var stream = new HeldGetStream(context.Response, unattendedFor, time);
                var carried = stream.CarryAsync(body, aborted);
                context.Response.Body = stream;
                context.RequestAborted = stream.Released;
                open.Hold(sessionId, stream);
                try
                {
                    var sdk = next(context);
                    await Task.WhenAny(sdk, carried);
                    // The agent's stream is gone (or the SDK's GET ended): another GET of the agent may take over.
                    open.Close(sessionId);
                    closed = true;
                    await sdk;
                }
                finally
                {
                    open.Release(sessionId, stream);
                    context.Response.Body = body;
                    context.RequestAborted = aborted;
                }
            }
            finally
            {
                if (!closed)
                {
                    open.Close(sessionId);
                }
            }
        }
    }

    /// <summary>A GET after the session's first dropped: an event stream of its own, carrying the SDK's held one.</summary>
    private static async Task CarryAsync(HttpContext context, HeldGetStream held, string sessionId)
    {
        var response = context.Response;
        // The headers the SDK gives its own event streams.
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache,no-store";
        response.Headers.ContentEncoding = "identity";
        response.Headers["X-Accel-Buffering"] = "no";
        response.Headers["Mcp-Session-Id"] = sessionId;
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
        await response.Body.FlushAsync(context.RequestAborted);
        await held.CarryAsync(response.Body, context.RequestAborted);
    }
}
