using System.Security.Claims;
using System.Text.Json;
using ApprovalGateway.Web;
using ApprovalGateway.Web.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Approvals;

/// <summary>The REST door onto the decision service, for scripts and the page.</summary>
internal static class ApprovalsApi
{
    public const string Channel = "api";

    /// <summary>The channel of decisions made on the approval page, which posts them to this API.</summary>
    public const string WebChannel = "web";

    private const string ExpectedDecision =
        """Expected {"decision":"approve"|"reject","reason":"...","grant_minutes":15} (reason and grant_minutes optional, grant_minutes at least 1)""";

    private static ApprovalsApiJsonContext Json => ApprovalsApiJsonContext.Default;

    public static Results<JsonHttpResult<IReadOnlyList<ApprovalView>>, JsonHttpResult<ApiMessage>> List(
        string? status, HttpRequest request, IApprovalDecisions decisions, IOptions<ApprovalOptions> options)
    {
        if (QueryParameters.Refusal(request.Query, "The approval list", "status") is { } refusal)
        {
            return Message(StatusCodes.Status400BadRequest, refusal);
        }

        ApprovalStatus? filter = null;
        if (!string.IsNullOrEmpty(status))
        {
            // By name only: Enum.TryParse also reads "1" as approved and "pending,approved" as the two OR-ed together
            // (approved again), so a script asking for either got a status it never named.
            if (!Enum.GetNames<ApprovalStatus>().Contains(status, StringComparer.OrdinalIgnoreCase))
            {
                return Message(StatusCodes.Status400BadRequest, $"Unknown status '{status}'; use pending, approved, rejected, expired or withdrawn");
            }

            filter = Enum.Parse<ApprovalStatus>(status, ignoreCase: true);
        }

        IReadOnlyList<ApprovalView> views = [.. decisions.List(filter).Select(a => ApprovalView.From(a, options.Value.SlackEnabled))];
        return TypedResults.Json(views, Json.IReadOnlyListApprovalView);
    }

    public static Results<JsonHttpResult<ApprovalView>, JsonHttpResult<ApiMessage>> Get(string id, IApprovalDecisions decisions, IOptions<ApprovalOptions> options) =>
        decisions.Get(id) is { } approval
            ? TypedResults.Json(ApprovalView.From(approval, options.Value.SlackEnabled), Json.ApprovalView)
            : TypedResults.Json(new ApiMessage($"No approval {id}"), Json.ApiMessage, statusCode: StatusCodes.Status404NotFound);

    public static async Task<Results<JsonHttpResult<DecisionResponseBody>, JsonHttpResult<ApiMessage>>> DecideAsync(
        string id,
        HttpRequest request,
        ClaimsPrincipal user,
        IApprovalDecisions decisions,
        IOptions<ApprovalOptions> options,
        CancellationToken cancellationToken)
    {
        DecisionRequestBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Body, Json.DecisionRequestBody, cancellationToken);
        }
        catch (JsonException)
        {
            body = null;
        }

        var approve = body?.Decision?.ToLowerInvariant() switch
        {
            "approve" => true,
            "reject" => false,
            _ => (bool?)null,
        };
        if (body is null || approve is null || body.GrantMinutes is < 1 || body.Unknown is { Count: > 0 })
        {
            return Message(StatusCodes.Status400BadRequest,
                body?.Unknown?.Keys.FirstOrDefault() is { } unknown ? $"A decision has no field '{unknown}'. {ExpectedDecision}" : ExpectedDecision);
        }

        if (TooLong(body.Reason) is { } tooLong)
        {
            return Message(StatusCodes.Status400BadRequest, tooLong);
        }

        if (user.Identity?.Name is not { Length: > 0 } name)
        {
            return Message(StatusCodes.Status403Forbidden, "Your sign-in carries no approver name");
        }

        var approver = new ApproverIdentity(name, user.FindFirst(ApproverClaims.SlackUserId)?.Value);
        // A signed-in page (its cookie, or the loopback page when no approvers are set) can only post with the page's
        // antiforgery token, so its decisions are the page's; a bearer token is a script's.
        var channel = user.Identity?.AuthenticationType is ApproverSchemes.Cookie or ApproverSchemes.Loopback ? WebChannel : Channel;
        var result = await decisions.DecideAsync(id, approver, approve.Value, body.Reason, body.GrantMinutes, channel, cancellationToken);
        return result.Kind switch
        {
            DecisionResultKind.Resolved => Decision(StatusCodes.Status200OK, "resolved", result, options.Value),
            DecisionResultKind.AwaitingMoreApprovals => Decision(StatusCodes.Status200OK, "awaiting_more_approvals", result, options.Value),
            DecisionResultKind.AlreadyResolved => Decision(StatusCodes.Status409Conflict, "already_resolved", result, options.Value),
            DecisionResultKind.NotAllowed => Message(StatusCodes.Status403Forbidden, result.Message),
            _ => Message(StatusCodes.Status404NotFound, result.Message),
        };
    }

    private static JsonHttpResult<DecisionResponseBody> Decision(int status, string kind, DecisionResult result, ApprovalOptions options) =>
        TypedResults.Json(
            new DecisionResponseBody(kind, result.Message, result.Approval is null ? null : ApprovalView.From(result.Approval, options.SlackEnabled)),
            Json.DecisionResponseBody,
            statusCode: status);

    /// <summary>Why <paramref name="reason"/> is refused, or null when it is short enough to keep.</summary>
    public static string? TooLong(string? reason) => reason?.Length > ApproverVote.MaxReasonLength
        ? $"A reason takes at most {ApproverVote.MaxReasonLength} characters; this one has {reason.Length}."
        : null;

    public static JsonHttpResult<ApiMessage> Message(int status, string message) =>
        TypedResults.Json(new ApiMessage(message), Json.ApiMessage, statusCode: status);
}
