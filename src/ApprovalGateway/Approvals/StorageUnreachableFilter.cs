using System.Data.Common;
using Microsoft.AspNetCore.Http;

namespace ApprovalGateway.Approvals;

/// <summary>
/// The approvals and grants API while the shared storage is out of reach (a PostgreSQL restart): 503 with the reason,
/// where an approver's script or page otherwise got a bare 500 and a stack trace in the log for every request.
/// </summary>
internal sealed class StorageUnreachableFilter(ILogger<StorageUnreachableFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (ex is DbException or TimeoutException)
        {
            Log.StorageUnreachable(logger, context.HttpContext.Request.Method, context.HttpContext.Request.Path, ex.Message);
            return TypedResults.Json(
                new ApiMessage($"Approval storage unreachable ({ex.Message}); the request did not complete, try again once it is back"),
                ApprovalsApiJsonContext.Default.ApiMessage,
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
