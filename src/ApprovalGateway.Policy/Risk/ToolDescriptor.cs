using System.Text.Json;

namespace ApprovalGateway.Policy.Risk;

/// <summary>
/// What the classifier and the policy know of one upstream tool: its name as the agent sees it,
/// its upstream, its description and the MCP annotations the upstream gave (null when absent).
/// </summary>
public sealed record ToolDescriptor(
    string Name,
    string Upstream,
    string? Description,
    bool? ReadOnlyHint = null,
    bool? DestructiveHint = null,
    bool? IdempotentHint = null,
    bool? OpenWorldHint = null,
    JsonElement? InputSchema = null);
