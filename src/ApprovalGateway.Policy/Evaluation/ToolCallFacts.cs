using System.Text.Json;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>Everything the policy may look at to decide one call.</summary>
/// <param name="Tool">The tool name as the agent sees it (with the upstream's prefix, if any).</param>
/// <param name="Upstream">The configured upstream name.</param>
/// <param name="Agent">The authenticated agent name, or null when no agents are configured.</param>
/// <param name="SessionId">The downstream MCP session.</param>
/// <param name="Arguments">The call's arguments object (undefined when absent).</param>
/// <param name="Risk">The tool's classification (policy overrides already applied).</param>
public readonly record struct ToolCallFacts(
    string Tool,
    string Upstream,
    string? Agent,
    string SessionId,
    JsonElement Arguments,
    ToolRisk Risk);
