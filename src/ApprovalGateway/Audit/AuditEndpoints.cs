using System.Text;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace ApprovalGateway.Audit;

internal static class AuditEndpoints
{
    private const int MaxJsonLimit = 1000;
    private const int DefaultCsvLimit = 10_000;
    private const int MaxCsvLimit = 1_000_000;

    /// <summary>Maps <c>GET /api/audit</c> (JSON, newest first) and <c>GET /api/audit.csv</c>, both for approvers only.</summary>
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(ApproverClaims.Policy);
        api.MapGet("/audit", SearchAsync).WithName("SearchAudit");
        api.MapGet("/audit.csv", ExportAsync).WithName("ExportAudit");
        return endpoints;
    }

    private static async Task<Results<JsonHttpResult<IReadOnlyList<AuditRecord>>, ProblemHttpResult>> SearchAsync(
        [AsParameters] AuditQueryParameters parameters, IAuditQuery audit, CancellationToken cancellationToken)
    {
        if (parameters.ToQuery(AuditQuery.DefaultLimit, MaxJsonLimit, out var error) is not { } query)
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }

        var records = await audit.QueryAsync(query, cancellationToken);
        return TypedResults.Json(records, AuditJsonContext.Default.IReadOnlyListAuditRecord);
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ExportAsync(
        [AsParameters] AuditQueryParameters parameters, IAuditQuery audit, CancellationToken cancellationToken)
    {
        if (parameters.ToQuery(DefaultCsvLimit, MaxCsvLimit, out var error) is not { } query)
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }

        var records = await audit.QueryAsync(query, cancellationToken);
        return TypedResults.Stream(
            async body =>
            {
                await using var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                await AuditCsv.WriteAsync(writer, records, cancellationToken);
            },
            "text/csv; charset=utf-8",
            "audit.csv");
    }
}
