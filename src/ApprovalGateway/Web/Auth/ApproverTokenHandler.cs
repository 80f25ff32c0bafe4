using System.Text.Encodings.Web;
using ApprovalGateway.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ApprovalGateway.Web.Auth;

/// <summary>Approver script tokens. Agent keys are a different list, so they never match here.</summary>
internal sealed class ApproverTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApproverDirectory directory,
    RefusalAudit refusals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ApproverSchemes.IsApiPath(Request.Path) ? ApproverSchemes.BearerToken(Request) : null;
        if (string.IsNullOrEmpty(token))
        {
            return AuthenticateResult.NoResult();
        }

        if (directory.FindByToken(token) is { } approver)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(ApproverPrincipal.Create(approver, Scheme.Name), Scheme.Name));
        }

        // A guessed token is a failed sign-in too; the token itself stays out of the record.
        await refusals.RecordAsync(RefusalDoor.Approvers, $"{Request.Method} {Request.Path} refused: the bearer token is not an approver token", Context.Connection.RemoteIpAddress);
        return AuthenticateResult.Fail("The bearer token is not an approver token.");
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        return base.HandleChallengeAsync(properties);
    }
}
