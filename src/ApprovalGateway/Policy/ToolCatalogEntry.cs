using System.Text.Json.Serialization;

namespace ApprovalGateway.Policy;

/// <summary>One row of <c>GET /api/tools</c>: a tool, its classification and what the current policy does with it.</summary>
/// <remarks>Named in snake_case like every other <c>/api</c> answer (before, <c>rateLimit</c> was the odd one out).</remarks>
/// <param name="Action">What the rule gives the tool when none of its <paramref name="Conditions"/> holds.</param>
/// <param name="Conditions">"approval_required when args.quantity * args.price > 1000", in the order they are tried.</param>
internal sealed record ToolCatalogEntry(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("upstream")] string Upstream,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("risk")] string Risk,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("conditional")] bool Conditional,
    [property: JsonPropertyName("rate_limit")] string? RateLimit,
    [property: JsonPropertyName("conditions")] IReadOnlyList<string>? Conditions = null);
