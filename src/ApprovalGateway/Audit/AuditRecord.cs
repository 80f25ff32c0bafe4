using System.Text.Json.Nodes;

namespace ApprovalGateway.Audit;

/// <summary>One record per call through the gateway, whatever its outcome.</summary>
/// <param name="Decision">The policy's decision (wire name of DecisionKind).</param>
/// <param name="Outcome">The final outcome (wire name: forwarded, denied, rate_limited, rejected, expired, withdrawn, upstream_failed, hidden).</param>
/// <param name="Arguments">The arguments with secrets masked.</param>
internal sealed record AuditRecord(
    DateTimeOffset Time,
    string? Agent,
    string SessionId,
    string Upstream,
    string Tool,
    JsonObject? Arguments,
    string ArgumentsSha256,
    string Decision,
    string Rule,
    string Outcome,
    string? Reason,
    string? ApprovalId,
    IReadOnlyList<string> DecidedBy,
    string RiskClass,
    double PolicyMilliseconds,
    double WaitMilliseconds,
    double UpstreamMilliseconds,
    double TotalMilliseconds);
