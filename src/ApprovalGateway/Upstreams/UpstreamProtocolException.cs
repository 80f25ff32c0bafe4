using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// An upstream answered with a JSON-RPC error, kept as it was sent (its own message and its <c>data</c>, such as a URL
/// elicitation's <c>data.elicitations</c>) so the agent gets that error and not the SDK's retelling of it.
/// </summary>
internal sealed class UpstreamProtocolException(JsonRpcErrorDetail error, Exception? inner = null)
    : McpProtocolException(error.Message, inner, (McpErrorCode)error.Code)
{
    public JsonRpcErrorDetail Error { get; } = error;
}
