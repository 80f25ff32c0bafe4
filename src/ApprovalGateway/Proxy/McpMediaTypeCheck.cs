using Microsoft.Net.Http.Headers;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// Refuses MCP requests whose media types the Streamable HTTP spec rules out, with the status, JSON-RPC error and
/// words of the official TypeScript SDK: a POST whose <c>Accept</c> does not list both <c>application/json</c> and
/// <c>text/event-stream</c> (406) or whose <c>Content-Type</c> is not <c>application/json</c> (415), and a GET whose
/// <c>Accept</c> does not list <c>text/event-stream</c> (406). A wildcard (<c>*/*</c>) lists neither: the spec asks
/// the client to list both, and a client that only says "anything" may not read the stream it would get.
/// </summary>
internal static class McpMediaTypeCheck
{
    private const string Json = "application/json";

    private const string EventStream = "text/event-stream";

    private const int Refused = -32000;

    /// <summary>
    /// Refuses as the type says; a refused POST from a known agent goes in the audit log as <c>invalid_request</c>,
    /// naming its tool where the body does, like one the SDK could not read: nothing was decided or forwarded.
    /// </summary>
    public static IApplicationBuilder UseMcpMediaTypeCheck(this IApplicationBuilder app, PathString mcpPath)
    {
        var audit = app.ApplicationServices.GetRequiredService<UnreadableRequestAudit>();
        return app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!request.Path.StartsWithSegments(mcpPath) || Refusal(request) is not { } refusal)
            {
                await next(context);
                return;
            }

            var (status, message) = refusal;

            if (HttpMethods.IsPost(request.Method))
            {
                await RecordAsync(audit, context, message);
            }

            await McpEndpointExtensions.WriteJsonRpcErrorAsync(context, status, Refused, message);
        });
    }

    /// <summary>The status and message a request is refused with, or null when its media types are as the spec asks.</summary>
    internal static (int Status, string Message)? Refusal(HttpRequest request)
    {
        if (HttpMethods.IsPost(request.Method))
        {
            var accept = request.GetTypedHeaders().Accept;
            if (!Lists(accept, Json) || !Lists(accept, EventStream))
            {
                return (StatusCodes.Status406NotAcceptable, "Not Acceptable: Client must accept both application/json and text/event-stream");
            }

            // Parsed, never matched as a substring: "application/jsonx" is not JSON.
            if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ||
                !type.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase))
            {
                return (StatusCodes.Status415UnsupportedMediaType, "Unsupported Media Type: Content-Type must be application/json");
            }
        }
        else if (HttpMethods.IsGet(request.Method) && !Lists(request.GetTypedHeaders().Accept, EventStream))
        {
            return (StatusCodes.Status406NotAcceptable, "Not Acceptable: Client must accept text/event-stream");
        }

        return null;
    }

    private static bool Lists(IList<MediaTypeHeaderValue> accept, string mediaType)
    {
        foreach (var accepted in accept)
        {
            if (accepted.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task RecordAsync(UnreadableRequestAudit audit, HttpContext context, string message)
    {
        // The body is read only as far as the audit needs, to name the tool the refused call was for.
        await using var head = new RequestBodyHead(context.Request.Body);
        try
        {
            await head.ReadRestAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException or OperationCanceledException)
        {
            // What was read already says enough.
        }

        var answer = new JsonRpcError { Error = new JsonRpcErrorDetail { Code = Refused, Message = message } };
        await audit.RecordAsync(McpEndpointExtensions.AgentName(context.User), context.Request.Headers["Mcp-Session-Id"].ToString(), head.Head, !head.IsCut, answer);
    }
}
