using ApprovalGateway.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace ApprovalGateway.Web.Auth;

internal sealed class ApproverAuthorizationHandler(ApproverDirectory directory, IHttpContextAccessor accessor, BrowserOrigins origins)
    : AuthorizationHandler<ApproverRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApproverRequirement requirement)
    {
        var name = context.User.Identity is { IsAuthenticated: true, Name: { } n } ? n : null;
        // Hub method calls pass a HubInvocationContext, not the HttpContext, hence the accessor.
        var http = context.Resource as HttpContext ?? accessor.HttpContext;
        var allowed = directory.HasApprovers
            // The browser sends the approver's cookie with another site's WebSocket to the hub too; its Origin tells.
            ? name is not null && directory.FindByName(name) is not null && (http is null || origins.MayActAsApprover(http.Request))
            : http is not null && LoopbackHandler.IsLoopback(http);
        if (allowed)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
