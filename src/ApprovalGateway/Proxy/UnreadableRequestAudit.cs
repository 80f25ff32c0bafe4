using System.Buffers;
using ApprovalGateway.Audit;
using ApprovalGateway.Metrics;
using ApprovalGateway.Policy.Decisions;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// Puts a request from a known agent that is not a JSON-RPC message the gateway can read (not JSON, nested deeper
/// than the 64 levels the SDK reads, a batch, a line too long) in the audit log, outcome <c>invalid_request</c>: the
/// agent got an error and nothing was decided or forwarded, and the log says so, naming the tool where one can be
/// found in it. The request itself is not kept: it may be anything, of any size. A request refused for what it asks
/// (a second <c>initialize</c>, a method the gateway does not relay), or for a body over the size limit, is recorded the
/// same way.
/// </summary>
internal sealed class UnreadableRequestAudit(IAuditLog audit, GatewayMetrics metrics, TimeProvider time, ILogger<UnreadableRequestAudit> logger)
{
    private static readonly string Outcome = DecisionKind.InvalidRequest.ToWireName();

    /// <param name="json">The request as read, or its head when it was cut (<paramref name="complete"/> false).</param>
    /// <param name="answer">The error the agent got for it.</param>
    public Task RecordAsync(string agent, string sessionId, ReadOnlySequence<byte> json, bool complete, JsonRpcError answer)
    {
        var (_, method, tool) = UnreadableMessage.TopLevel(json, complete);
        var reason = $"the request{(method is null ? "" : $" ({method})")} could not be read, so nothing was decided or forwarded: {answer.Error.Message}";
        return AppendAsync(agent, sessionId, method == RequestMethods.ToolsCall ? tool ?? "" : "", reason);
    }

    /// <summary>A request read whole and refused for what it asks (an <c>initialize</c> in an open session, a method not relayed).</summary>
    public Task RecordRefusedAsync(string agent, string sessionId, string method, JsonRpcError answer) =>
        AppendAsync(agent, sessionId, "", $"the request ({method}) was refused, so nothing was decided or forwarded: {answer.Error.Message}");

    /// <summary>
    /// A request whose body is over <c>Gateway:MaxRequestBodyBytes</c>, refused with 413 unread (or read only until it
    /// passed the limit): the record says how large it said it was, or that it ran past the limit, and nothing of it.
    /// </summary>
    /// <param name="declared">Its <c>Content-Length</c>, or null for a chunked body found too large while being read.</param>
    public Task RecordTooLargeAsync(string agent, string sessionId, long? declared, long limit)
    {
        var size = declared is { } length
            ? $"its body of {length} bytes (Content-Length) is over the gateway's limit of {limit} bytes"
            : $"its body ran past the gateway's limit of {limit} bytes and was not read further";
        return AppendAsync(agent, sessionId, "", $"the request could not be read, so nothing was decided or forwarded: {size} (Gateway:MaxRequestBodyBytes).");
    }

    private async Task AppendAsync(string agent, string sessionId, string tool, string reason)
    {
        var record = new AuditRecord(
            time.GetUtcNow(), agent, sessionId, "", tool, null, "", Outcome, "", Outcome, reason, null, [], "", 0, 0, 0, 0);

        await RefusalRecord.AppendAsync(audit, metrics, logger, record, DecisionKind.InvalidRequest, knownTool: false);
    }
}
