using ApprovalGateway.Audit;
using ApprovalGateway.Metrics;
using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Proxy;

/// <summary>The audit record of a request refused before any decision, and its metric.</summary>
internal static class RefusalRecord
{
    /// <summary>
    /// Writes <paramref name="record"/>; the refusal stands whether or not it could, since the agent has its error either way.
    /// </summary>
    /// <param name="knownTool">False when the tool is whatever the agent wrote (no upstream serves it): the metric then
    /// leaves it out, so it cannot mint a series per guess.</param>
    public static async Task AppendAsync(
        IAuditLog audit, GatewayMetrics metrics, ILogger logger, AuditRecord record, DecisionKind outcome, bool knownTool)
    {
        var counted = knownTool ? record : record with { Tool = "" };
        try
        {
            await audit.AppendAsync(record, CancellationToken.None);
            if (knownTool)
            {
                metrics.CallEnded(record);
            }
            else
            {
                metrics.Refused(counted);
            }
        }
        catch (Exception ex)
        {
            metrics.AuditFailed(counted);
            Log.AuditFailed(logger, record.Tool, outcome, ex.Message);
        }
    }
}
