using System.Text.Json.Serialization;
using ApprovalGateway.Upstreams;
using ApprovalGateway.Web;

namespace ApprovalGateway.Policy;

internal static class PolicyStatusApi
{
    /// <summary>
    /// <c>GET /api/policy</c>: which file is in force, when it loaded, why the last reload failed, if it did, and what
    /// the policy in force names that this gateway does not have, tools among them, then warnings from elsewhere
    /// (<see cref="IPolicyWarnings"/>).
    /// </summary>
    public static IEndpointConventionBuilder MapPolicyStatusApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/api/policy", (PolicyStore store, IToolCatalog catalog, IEnumerable<IPolicyWarnings> others) =>
            {
                var unserved = UnservedToolRules.Find(store.Document, [.. catalog.Tools.Select(t => t.Name)]);
                return TypedResults.Ok(new PolicyStatus(
                    store.SourcePath, store.LoadedAt, store.LastError, [.. store.Warnings, .. unserved, .. others.Select(o => o.Warning).OfType<string>()]));
            })
            .RequireAuthorization(ApproverClaims.Policy);
}

internal sealed record PolicyStatus(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("loaded_at")] DateTimeOffset LoadedAt,
    [property: JsonPropertyName("last_error")] string? LastError,
    [property: JsonPropertyName("warnings")] IReadOnlyList<string> Warnings);
