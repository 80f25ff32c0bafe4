namespace ApprovalGateway.Policy;

/// <summary>One row of <c>GET /api/tools</c>: a tool, its classification and what the current policy does with it.</summary>
internal sealed record ToolCatalogEntry(
    string Name,
    string Upstream,
    string Category,
    string Risk,
    string Reason,
    string Action,
    string Rule,
    bool Conditional,
    string? RateLimit);
