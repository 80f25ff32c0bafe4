using System.Security.Claims;
using ApprovalGateway.Approvals;

namespace ApprovalGateway.Web.Auth;

internal static class ApproverPrincipal
{
    public static ClaimsPrincipal Create(ApproverIdentity approver, string scheme)
    {
        List<Claim> claims = [new(ClaimTypes.Name, approver.Name)];
        if (approver.SlackUserId is not null)
        {
            claims.Add(new Claim(ApproverClaims.SlackUserId, approver.SlackUserId));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}
