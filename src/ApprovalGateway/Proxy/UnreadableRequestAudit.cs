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
/// found in it. The request itself is not kept: it may be anything, of any size.
/// </summary>
internal sealed class UnreadableRequestAudit(IAuditLog audit, GatewayMetrics metrics, TimeProvider time, ILogger<UnreadableRequestAudit> logger)
{
    private static readonly string Outcome = DecisionKind.InvalidRequest.ToWireName();

    /// <param name="json">The request as read, or its head when it was cut (<paramref name="complete"/> false).</param>
    /// <param name="answer">The error the agent got for it.</param>
    public async Task RecordAsync(string agent, string sessionId, ReadOnlySequence<byte> json, bool complete, JsonRpcError answer)
    {
        var (_, method, tool) = UnreadableMessage.TopLevel(json, complete);
        var reason = $"the request{(method is null ? "" : $" ({method})")} could not be read, so nothing was decided or forwarded: {answer.Error.Message}";
        var record = new AuditRecord(
            time.GetUtcNow(), agent, sessionId, "", method == RequestMethods.ToolsCall ? tool ?? "" : "", null, "", Outcome, "", Outcome,
            reason, null, [], "", 0, 0, 0, 0);

        await RefusalRecord.AppendAsync(audit, metrics, logger, record, DecisionKind.InvalidRequest, knownTool: false);
    }
}
