using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Approvals;

/// <summary>A call waiting for a human, with its arguments frozen: these exact bytes are what gets forwarded.</summary>
internal sealed record ApprovalRequest(
    string Agent,
    string SessionId,
    string Upstream,
    string Tool,
    JsonObject FrozenArguments,
    string ArgumentsSha256,
    ToolRisk Risk,
    string Rule,
    ApprovalSettings Settings);
