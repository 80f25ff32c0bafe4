using System.Text;
using System.Text.Json;
using ApprovalGateway.Audit;
using ApprovalGateway.Policy.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Slack;

internal static class SlackInteractionEndpoints
{
    public const string Path = "/slack/interactions";

    /// <summary>Block action payloads carry the whole message; this is far above any prompt the gateway posts.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>How much of each thing a forged request claims its audit record keeps.</summary>
    private const int MaxClaimLength = 64;

    /// <summary>
    /// Maps <c>POST /slack/interactions</c>, Slack's interactivity request URL. It is anonymous to the gateway's
    /// own authentication: Slack's request signature is what authenticates it.
    /// </summary>
    public static IEndpointConventionBuilder MapSlackInteractions(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(Path, HandleAsync).AllowAnonymous().ExcludeFromDescription();

    private static async Task<IResult> HandleAsync(
        HttpContext http,
        SlackSignatureVerifier verifier,
        SlackInteractionHandler handler,
        RefusalAudit refusals,
        ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(SlackInteractionEndpoints).FullName!);
        var body = await ReadBodyAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            Log.InteractionIgnored(logger, $"request body larger than {MaxBodyBytes} bytes");
            return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        var check = verifier.Verify(
            http.Request.Headers["X-Slack-Request-Timestamp"],
            http.Request.Headers["X-Slack-Signature"],
            body);
        if (check != SlackSignatureCheck.Valid)
        {
            Log.SignatureRejected(logger, check, http.Connection.RemoteIpAddress?.ToString());
            await refusals.RecordAsync(RefusalDoor.Slack, $"Slack interaction refused: {Describe(check)}{Claims(body)}", http.Connection.RemoteIpAddress);
            return TypedResults.Unauthorized();
        }

        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
        if (!form.TryGetValue("payload", out var payload) || string.IsNullOrEmpty(payload))
        {
            Log.InteractionIgnored(logger, "form without a payload field");
            return TypedResults.BadRequest();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToString());
        }
        catch (JsonException)
        {
            Log.InteractionIgnored(logger, "payload is not JSON");
            return TypedResults.BadRequest();
        }

        using (document)
        {
            await handler.HandleAsync(document.RootElement, http.RequestAborted);
        }

        return TypedResults.Ok();
    }

    private static string Describe(SlackSignatureCheck check) => check switch
    {
        SlackSignatureCheck.MissingHeaders => "no X-Slack-Signature or X-Slack-Request-Timestamp header",
        SlackSignatureCheck.StaleTimestamp => "its timestamp is more than 5 minutes from now (a replay, or a wrong clock)",
        SlackSignatureCheck.NoSigningSecret => "the gateway has no Slack:SigningSecret to check it with",
        _ => "its signature does not match the signing secret",
    };

    /// <summary>What an unverified request says it is, for the audit record: none of it can be trusted, all of it is evidence.</summary>
    private static string Claims(byte[] body)
    {
        try
        {
            var payload = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)).GetValueOrDefault("payload").ToString();
            using var document = JsonDocument.Parse(payload);
            return SlackClick.Parse(document.RootElement, out _) is { } click
                ? $"; it claims {ShortText.Cut(click.ActionId, MaxClaimLength)} on approval {ShortText.Cut(click.ApprovalId, MaxClaimLength)} " +
                  $"by Slack user {ShortText.Cut(click.SlackUserId, MaxClaimLength)}"
                : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
