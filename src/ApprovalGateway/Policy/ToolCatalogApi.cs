using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Upstreams;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ApprovalGateway.Policy;

internal static class ToolCatalogApi
{
    /// <summary>
    /// <c>GET /api/tools[?agent=name]</c>: every upstream tool with its category, risk class and reason and the
    /// action the policy in force gives it (for that agent when named). Approvers only.
    /// </summary>
    public static IEndpointConventionBuilder MapToolCatalogApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/api/tools", ListOrRefuse).RequireAuthorization(ApproverClaims.Policy);

    private static Results<Ok<List<ToolCatalogEntry>>, ProblemHttpResult> ListOrRefuse(
        HttpRequest request, IToolCatalog catalog, PolicyEngine engine, string? agent) =>
        QueryParameters.Refusal(request.Query, "The tool list", "agent") is { } refusal
            ? TypedResults.Problem(refusal, statusCode: StatusCodes.Status400BadRequest)
            : List(catalog, engine, agent);

    internal static Ok<List<ToolCatalogEntry>> List(IToolCatalog catalog, PolicyEngine engine, string? agent)
    {
        var entries = catalog.Tools.Select(tool =>
        {
            var risk = engine.ApplyOverrides(tool.Name, tool.Risk);
            var preview = engine.Preview(tool.Name, agent, risk);
            return new ToolCatalogEntry(
                tool.Name,
                tool.UpstreamName,
                risk.Category.ToWireName(),
                risk.Risk.ToWireName(),
                risk.Reason,
                preview.Kind.ToWireName(),
                preview.Rule,
                preview.HasConditions,
                preview.RateLimit is { } limit ? $"{limit.Max} per {limit.WindowSeconds} s per {limit.Per.ToString().ToLowerInvariant()}" : null,
                [.. preview.Conditions.Select(c => $"{c.Kind.ToWireName()} when {c.Expression}")]);
        }).ToList();
        return TypedResults.Ok(entries);
    }
}
