using System.Data.Common;
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
        api.MapGet("/audit.csv", ExportAsync).WithName("ExportAudit");
        return endpoints;
    }

    private static async Task<Results<JsonHttpResult<IReadOnlyList<AuditRecord>>, ProblemHttpResult>> SearchAsync(
        [AsParameters] AuditQueryParameters parameters, HttpRequest request, IAuditQuery audit, CancellationToken cancellationToken)
    {
        if (parameters.ToQuery(request.Query, AuditQuery.DefaultLimit, MaxJsonLimit, out var error) is not { } query)
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            var records = await audit.QueryAsync(query, cancellationToken);
            return TypedResults.Json(records, AuditJsonContext.Default.IReadOnlyListAuditRecord);
        }
        catch (Exception ex) when (ex is DbException or TimeoutException)
        {
            return Unreachable(ex);
        }
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ExportAsync(
        [AsParameters] AuditQueryParameters parameters, HttpRequest request, IAuditQuery audit, CancellationToken cancellationToken)
    {
        // Every matching record unless the caller sets a limit: an export that stopped at a default cap looked
        // complete. Rows are written as they are read, so a month of records is never in memory at once.
        if (parameters.ToQuery(request.Query, AuditQuery.NoLimit, AuditQuery.NoLimit, out var error) is not { } query)
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest);
        }

        // The first read happens before the answer starts, so a database that is down gets a 503 saying so, not a 200
        // cut off after its headers. A failure further on can only cut the download short.
        var records = audit.StreamAsync(query, cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool any;
        try
        {
            any = await records.MoveNextAsync();
        }
        catch (Exception ex) when (ex is DbException or TimeoutException)
        {
            await records.DisposeAsync();
            return Unreachable(ex);
        }

        return TypedResults.Stream(
            async body =>
            {
                await using (records)
                {
                    await using var writer = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                    await AuditCsv.WriteAsync(writer, FromCurrent(records, any), cancellationToken);
                }
            },
            "text/csv; charset=utf-8",
            "audit.csv");
    }

    private static async IAsyncEnumerable<AuditRecord> FromCurrent(IAsyncEnumerator<AuditRecord> records, bool any)
    {
        if (!any)
        {
            yield break;
        }

        do
        {
            yield return records.Current;
        }
        while (await records.MoveNextAsync());
    }

    private static ProblemHttpResult Unreachable(Exception ex) =>
        TypedResults.Problem(
            $"Audit storage unreachable ({ex.Message}); the search did not complete, try again once it is back",
            statusCode: StatusCodes.Status503ServiceUnavailable);
}
