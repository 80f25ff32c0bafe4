using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// Answers MCP requests that need a session but name none in the TypeScript SDK's words: a GET or DELETE without
/// <c>Mcp-Session-Id</c> gets 400 "Bad Request: Mcp-Session-Id header is required", and a POST other than
/// <c>initialize</c> 400 "Bad Request: Server not initialized" (see <see cref="NotInitialized"/>). The C# SDK's own
/// answers tell the server's developer to set <c>HttpServerTransportOptions.SessionMode</c>, which an agent can do
/// nothing with.
/// </summary>
internal static class McpSessionIdRequired
{
    private const string SessionIdHeader = "Mcp-Session-Id";

    // The first revision without sessions: requests on it are the SDK's to answer, in what that revision expects.
    internal const string SessionlessProtocol = "2026-07-28";

    public static IApplicationBuilder UseMcpSessionIdRequired(this IApplicationBuilder app, PathString mcpPath) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if ((HttpMethods.IsGet(request.Method) || HttpMethods.IsDelete(request.Method)) &&
                request.Path.StartsWithSegments(mcpPath) && NamesNoSession(request))
            {
                await McpEndpointExtensions.WriteJsonRpcErrorAsync(
                    context, StatusCodes.Status400BadRequest, -32000, "Bad Request: Mcp-Session-Id header is required");
                return;
            }

            await next(context);
        });

    /// <summary>
    /// Whether the request carries no <c>Mcp-Session-Id</c> on a protocol revision that has sessions (one before
    /// 2026-07-28, or none named).
    /// </summary>
    public static bool NamesNoSession(HttpRequest request) =>
        request.Headers[SessionIdHeader].ToString().Length == 0 && !IsSessionless(request);

    /// <summary>Whether the request names a protocol revision without sessions (2026-07-28 or later).</summary>
    public static bool IsSessionless(HttpRequest request) =>
        string.CompareOrdinal(request.Headers["MCP-Protocol-Version"].ToString(), SessionlessProtocol) >= 0;

    /// <summary>The answer to a POST without a session that is not an <c>initialize</c>, with its id when it has one.</summary>
    public static JsonRpcError NotInitialized(RequestId id) =>
        new() { Id = id, Error = new JsonRpcErrorDetail { Code = -32000, Message = "Bad Request: Server not initialized" } };
}
