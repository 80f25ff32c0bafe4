using System.Security.Claims;
using System.Text.Json;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ApprovalGateway.Approvals;

/// <summary>The REST door onto time-boxed grants: which are in force, and ending one early.</summary>
internal static class GrantsApi
{
    private const string Expected = """Expected no body or {"reason":"..."}""";

    private static ApprovalsApiJsonContext Json => ApprovalsApiJsonContext.Default;

    public static Results<JsonHttpResult<GrantView[]>, JsonHttpResult<ApiMessage>> List(HttpRequest request, IGrantStore grants, TimeProvider time) =>
        QueryParameters.Refusal(request.Query, "The grant list") is { } refusal
            ? ApprovalsApi.Message(StatusCodes.Status400BadRequest, refusal)
            : TypedResults.Json(GrantView.InForce(grants, time), Json.GrantViewArray);

    public static async Task<Results<JsonHttpResult<RevokeResponseBody>, JsonHttpResult<ApiMessage>>> RevokeAsync(
        string id,
        HttpRequest request,
        ClaimsPrincipal user,
        GrantRevocation revocation,
        CancellationToken cancellationToken)
    {
        RevokeRequestBody? body = null;
        if (request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false)
        {
            try
            {
                body = await JsonSerializer.DeserializeAsync(request.Body, Json.RevokeRequestBody, cancellationToken);
            }
            catch (JsonException)
            {
                return ApprovalsApi.Message(StatusCodes.Status400BadRequest, Expected);
            }

            if (body?.Unknown?.Keys.FirstOrDefault() is { } unknown)
            {
                return ApprovalsApi.Message(StatusCodes.Status400BadRequest, $"A revocation has no field '{unknown}'. {Expected}");
            }

            if (ApprovalsApi.TooLong(body?.Reason) is { } tooLong)
            {
                return ApprovalsApi.Message(StatusCodes.Status400BadRequest, tooLong);
            }
        }

        if (user.Identity?.Name is not { Length: > 0 } name)
        {
            return ApprovalsApi.Message(StatusCodes.Status403Forbidden, "Your sign-in carries no approver name");
        }

        if (await revocation.RevokeAsync(id, name, body?.Reason) is not { } revoked)
        {
            return ApprovalsApi.Message(StatusCodes.Status404NotFound,
                $"No time-boxed grant of approval {id} is in force: none was given, it ended or was revoked, or a newer grant replaced it");
        }

        var grant = revoked.Grant;
        var message = revoked.Audited
            ? $"Revoked the grant of approval {id}: the next call of {grant.Agent} to {grant.Upstream}/{grant.Tool} goes through the policy again"
            : $"Revoked the grant of approval {id}, but the audit log could not record it (the gateway log says why)";
        return TypedResults.Json(
            new RevokeResponseBody(message, GrantView.From(grant), name, revoked.RevokedAt),
            Json.RevokeResponseBody,
            statusCode: revoked.Audited ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError);
    }
}
