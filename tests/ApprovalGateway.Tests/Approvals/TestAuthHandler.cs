using System.Security.Claims;
using System.Text.Encodings.Web;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Approvals;

/// <summary>Signs a request in as the person named in <c>X-Test-User</c>; <c>X-Test-Approver: no</c> withholds the approver claim.</summary>
internal sealed class TestAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Test";
    public const string ApproverClaim = "approver";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers["X-Test-User"].ToString() is not { Length: > 0 } name)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        List<Claim> claims = [new(ClaimTypes.Name, name)];
        if (Request.Headers["X-Test-Slack"].ToString() is { Length: > 0 } slack)
        {
            claims.Add(new Claim(ApproverClaims.SlackUserId, slack));
        }

        if (Request.Headers["X-Test-Approver"].ToString() != "no")
        {
            claims.Add(new Claim(ApproverClaim, "true"));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}
