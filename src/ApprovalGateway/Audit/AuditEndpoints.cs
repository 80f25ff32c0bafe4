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

    /// <summary>Maps <c>GET /api/audit</c> (JSON, newest first) and <c>GET /api/audit.csv</c>, both for approvers only.</summary>
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(ApproverClaims.Policy);
        api.MapGet("/audit", SearchAsync).WithName("SearchAudit");
        api.MapGet("/audit.csv", Export).WithName("ExportAudit");
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

    private static Results<PushStreamHttpResult, ProblemHttpResult> Export(
        [AsParameters] AuditQueryParameters parameters, IAuditQuery audit, CancellationToken cancellationToken)
    {
        // Every matching record unless the caller sets a limit: an export that stopped at a default cap looked
        // complete. Rows are written as they are read, so a month of records is never in memory at once.
        if (parameters.ToQuery(AuditQuery.NoLimit, AuditQuery.NoLimit, out var error) is not { } query)
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }

        return TypedResults.Stream(
            async body =>
            {
                await using var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                await AuditCsv.WriteAsync(writer, audit.StreamAsync(query, cancellationToken), cancellationToken);
            },
            "text/csv; charset=utf-8",
            "audit.csv");
    }
}
