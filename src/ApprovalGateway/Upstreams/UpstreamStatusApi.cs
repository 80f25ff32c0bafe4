using System.Text.Json.Serialization;
using ApprovalGateway.Hosting;
using ApprovalGateway.Web;

namespace ApprovalGateway.Upstreams;

internal static class UpstreamStatusApi
{
    private const string Catalog = "catalog";

    /// <summary>
    /// <c>GET /healthz</c> for load balancers (anonymous: only ok or degraded, with 503 when an upstream is down or some
    /// of its tools are left out for a name clash) and <c>GET /api/upstreams</c> for approvers (every upstream and why).
    /// </summary>
    public static IEndpointRouteBuilder MapUpstreamStatusApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", (UpstreamStatusBoard board, IEnumerable<IHealthSignal> signals) =>
        {
            var healthy = Problems(board, signals).Count == 0;
            return TypedResults.Json(new Health(healthy ? "ok" : "degraded"), statusCode: healthy ? 200 : 503);
        }).AllowAnonymous();
        endpoints.MapGet("/api/health", (UpstreamStatusBoard board, IEnumerable<IHealthSignal> signals) =>
        {
            var problems = Problems(board, signals);
            List<string> warnings = [.. signals.Where(s => !s.Degrades).Select(s => s.Problem).OfType<string>()];
            return TypedResults.Json(
                new Health(problems.Count == 0 ? "ok" : "degraded", problems, warnings.Count == 0 ? null : warnings),
                statusCode: problems.Count == 0 ? 200 : 503);
        }).RequireAuthorization(ApproverClaims.Policy);
        endpoints.MapGet("/api/upstreams", (UpstreamStatusBoard board) => TypedResults.Ok(
                board.Current.Where(s => s.Session == Catalog).OrderBy(s => s.Upstream, StringComparer.Ordinal)
                    .Select(s => new UpstreamState(s.Upstream, s.Connected, s.Clash is null ? s.Detail : $"{s.Detail}, but {s.Clash}", s.At)).ToList()))
            .RequireAuthorization(ApproverClaims.Policy);
        return endpoints;
    }

    /// <summary>Why <c>/healthz</c> would answer degraded: each upstream not serving all it offers, and each shared service in trouble.</summary>
    private static List<string> Problems(UpstreamStatusBoard board, IEnumerable<IHealthSignal> signals) =>
    [
        .. board.Current.Where(s => s.Session == Catalog && !s.Healthy).OrderBy(s => s.Upstream, StringComparer.Ordinal)
            .Select(s => $"Upstream '{s.Upstream}': {(s.Clash is null ? s.Detail : $"{s.Detail}, but {s.Clash}")}"),
        .. signals.Where(s => s.Degrades).Select(s => s.Problem).OfType<string>(),
    ];

    private sealed record Health(
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("problems"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Problems = null,
        [property: JsonPropertyName("warnings"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Warnings = null);

    private sealed record UpstreamState(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("connected")] bool Connected,
        [property: JsonPropertyName("detail")] string Detail,
        [property: JsonPropertyName("since")] DateTimeOffset Since);
}
