using System.Text.Encodings.Web;
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
    ApproverDirectory directory)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ApproverSchemes.IsApiPath(Request.Path) ? ApproverSchemes.BearerToken(Request) : null;
        if (string.IsNullOrEmpty(token))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(directory.FindByToken(token) is { } approver
            ? AuthenticateResult.Success(new AuthenticationTicket(ApproverPrincipal.Create(approver, Scheme.Name), Scheme.Name))
            : AuthenticateResult.Fail("The bearer token is not an approver token."));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        return base.HandleChallengeAsync(properties);
    }
}
