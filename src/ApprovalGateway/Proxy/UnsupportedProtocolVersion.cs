using System.Text.Json;
using ApprovalGateway.Upstreams;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// Answers a request whose <c>MCP-Protocol-Version</c> header names a version before 2026-07-28 that the gateway does
/// not serve as the TypeScript SDK does: 400, <c>-32000</c>, "Bad Request: Unsupported protocol version: X (supported
/// versions: …)", newest first, with the request's id where it has one. The SDK answers with the 2026-07-28 revision's
/// <c>-32022</c> and words of its own, which a client of an older revision does not know. The versions listed are
/// those with sessions, the only ones the gateway serves. A header naming 2026-07-28 or later is the SDK's to answer as
/// that revision has it: a client of it reads the SDK's <c>-32022</c> to pick another version or fall back to
/// <c>initialize</c>.
/// </summary>
internal static class UnsupportedProtocolVersion
{
    private const string Header = "MCP-Protocol-Version";

    /// <summary>Puts the answer in place of the SDK's for a GET or DELETE; a POST's is replaced where its body is read.</summary>
    public static IApplicationBuilder UseMcpUnsupportedProtocolVersion(this IApplicationBuilder app, PathString mcpPath) =>
        app.Use((context, next) =>
            (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsDelete(context.Request.Method))
            && context.Request.Path.StartsWithSegments(mcpPath) && context.Request.Headers.ContainsKey(Header)
                ? ReplaceAsync(context, next)
                : next(context));

    /// <summary>
    /// The answer to a request the SDK refused with <paramref name="refusal"/>, when that is its refusal of the
    /// request's protocol version header; null for any other refusal.
    /// </summary>
    public static JsonRpcError? Answer(HttpRequest request, ReadOnlySpan<byte> refusal)
    {
        var version = request.Headers[Header].ToString();
        if (version.Length == 0 || McpSessionIdRequired.IsSessionless(request))
        {
            return null;
        }

        JsonRpcError? error;
        try
        {
            error = JsonSerializer.Deserialize(refusal, JsonRpcLine.MessageType) as JsonRpcError;
        }
        catch (JsonException)
        {
            return null;
        }

        if (error?.Error is not { Code: (int)McpErrorCode.UnsupportedProtocolVersion, Data: JsonElement { ValueKind: JsonValueKind.Object } data }
            || !data.TryGetProperty("requested", out var requested) || requested.ValueKind != JsonValueKind.String || requested.GetString() != version
            || !data.TryGetProperty("supported", out var supported) || supported.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var withSessions = supported.EnumerateArray()
            .Where(v => v.ValueKind == JsonValueKind.String)
            .Select(v => v.GetString()!)
            .Where(v => string.CompareOrdinal(v, McpSessionIdRequired.SessionlessProtocol) < 0)
            .OrderDescending(StringComparer.Ordinal);
        return new JsonRpcError
        {
            Id = error.Id,
            Error = new JsonRpcErrorDetail
            {
                Code = -32000,
                Message = $"Bad Request: Unsupported protocol version: {version} (supported versions: {string.Join(", ", withSessions)})",
            },
        };
    }

    private static async Task ReplaceAsync(HttpContext context, RequestDelegate next)
    {
        var body = context.Response.Body;
        var held = new HeldRefusalBody(body, context.Response);
        context.Response.Body = held;
        try
        {
            await next(context);
            var answer = held.IsHolding ? Answer(context.Request, held.Held) : null;
            await held.SendAsync(answer is null ? null : JsonSerializer.SerializeToUtf8Bytes<JsonRpcMessage>(answer, JsonRpcLine.MessageType), context.RequestAborted);
        }
        finally
        {
            context.Response.Body = body;
        }
    }
}
