using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// One tool of one upstream as the gateway serves it: the name the agent sees (prefixed when the upstream
/// has a ToolPrefix), the upstream's own name for it, its raw definition and its risk classification.
/// </summary>
internal sealed record UpstreamTool(
    string Name,
    string UpstreamName,
    string OriginalName,
    JsonObject Definition,
    ToolRisk Risk);
