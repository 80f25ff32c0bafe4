using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Audit;

/// <summary>
/// One record per call through the gateway, whatever its outcome, and one more before a call is sent upstream; also
/// one per request refused before its caller could be identified (<see cref="RefusalAudit"/>: outcome
/// <c>unauthenticated</c>, no agent, tool or arguments, the reason and the caller's address in <see cref="Reason"/>);
/// and one per time-boxed grant an approver ended early (<c>Approvals.GrantRevocation</c>: outcome
/// <c>grant_revoked</c>, the grant's agent, upstream, tool, rule and approval, the approver in <see cref="DecidedBy"/>);
/// and one per policy an instance applies (at startup too) or edit it rejects (<c>Policy.PolicyChangeAudit</c>: outcome
/// <c>policy_loaded</c> or <c>policy_rejected</c>, no agent, tool or arguments, the file and its SHA-256 in
/// <see cref="PolicyPath"/>, <see cref="PolicySha256"/> and <see cref="PolicyInForceSha256"/>, and said again with its
/// rules or first error in <see cref="Reason"/>).
/// </summary>
/// <param name="Decision">The policy's decision (wire name of DecisionKind).</param>
/// <param name="Outcome">
/// The outcome (wire name: forwarded, denied, rate_limited, rejected, expired, withdrawn, upstream_failed, hidden,
/// unknown_tool, invalid_arguments, invalid_request, unauthenticated, grant_revoked, policy_loaded, policy_rejected), or
/// forwarding for the record written just before the call is sent.
/// </param>
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
    double TotalMilliseconds)
{
    /// <summary>
    /// Whether this record lets a call go to an upstream, so it must be on disk before the call is sent. Every
    /// other record tells what already happened: written before the agent's answer, on disk with the next commit.
    /// </summary>
    public bool LetsCallGo => Outcome == DecisionKind.Forwarding.ToWireName();

    /// <summary>
    /// The instance that wrote the record, in the PostgreSQL table every instance shares
    /// (<c>Gateway:Audit:Instance</c>); absent from a file, which is one instance's own.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Instance { get; init; }

    /// <summary>
    /// The record's place in the chain and its hash, as stored (read back from its line), so a record found in a search
    /// can be matched to its line and checked by <c>verify-audit</c>. Null until the record is sealed; the chain sets
    /// both when it seals, whatever the caller put here.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Seq { get; init; }

    /// <inheritdoc cref="Seq"/>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Hash { get; init; }

    /// <summary>
    /// On a <c>policy_loaded</c> or <c>policy_rejected</c> record, the policy file as the instance resolved
    /// <c>Gateway:Policy:Path</c>. Null, and so absent from the line, on every other record: a record without the policy
    /// fields serializes (and hashes) exactly as it did before they existed, so chains written then still verify.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PolicyPath { get; init; }

    /// <summary>
    /// On a policy record, the SHA-256 (lowercase hex) of the file's bytes as read: the policy applied
    /// (<c>policy_loaded</c>) or the edit refused (<c>policy_rejected</c>; null when the file could not be read at all).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PolicySha256 { get; init; }

    /// <summary>
    /// On a policy record, the SHA-256 of the policy in force once the record was written: the file's own on
    /// <c>policy_loaded</c>, the last good policy's on <c>policy_rejected</c>. So the newest policy record before a call
    /// names the bytes that decided it, whichever kind it is.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PolicyInForceSha256 { get; init; }
}
