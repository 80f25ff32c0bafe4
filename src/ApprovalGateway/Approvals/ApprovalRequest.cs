using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Approvals;

/// <summary>A call waiting for a human, with its arguments frozen: these exact bytes are what gets forwarded.</summary>
/// <param name="HeldBecause">The matched rule's own <c>reason</c>, when the policy gives one, for the approvers.</param>
/// <param name="ArgumentProblems">Where the arguments do not match the tool's input schema, for the approvers; empty when they do.</param>
/// <param name="AgentOwner">The approver name that owns the agent (<c>Gateway:Agents:{name}:Owner</c>); never counts as an approver.</param>
internal sealed record ApprovalRequest(
    string Agent,
    string? AgentOwner,
    string SessionId,
    string Upstream,
    string Tool,
    JsonObject FrozenArguments,
    string ArgumentsSha256,
    ToolRisk Risk,
    string Rule,
    ApprovalSettings Settings,
    string? HeldBecause = null,
    IReadOnlyList<string>? ArgumentProblems = null);
