namespace ApprovalGateway.Policy;

/// <summary>One row of <c>GET /api/tools</c>: a tool, its classification and what the current policy does with it.</summary>
/// <param name="Action">What the rule gives the tool when none of its <paramref name="Conditions"/> holds.</param>
/// <param name="Conditions">"approval_required when args.quantity * args.price > 1000", in the order they are tried.</param>
internal sealed record ToolCatalogEntry(
    string Name,
    string Upstream,
    string Category,
    string Risk,
    string Reason,
    string Action,
    string Rule,
    bool Conditional,
    string? RateLimit,
    IReadOnlyList<string>? Conditions = null);
