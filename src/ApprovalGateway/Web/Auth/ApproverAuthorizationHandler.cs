using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace ApprovalGateway.Web.Auth;

internal sealed class ApproverAuthorizationHandler(ApproverDirectory directory, IHttpContextAccessor accessor)
    : AuthorizationHandler<ApproverRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApproverRequirement requirement)
    {
        var name = context.User.Identity is { IsAuthenticated: true, Name: { } n } ? n : null;
        var allowed = directory.HasApprovers
            ? name is not null && directory.FindByName(name) is not null
            // Hub method calls pass a HubInvocationContext, not the HttpContext, hence the accessor.
            : (context.Resource as HttpContext ?? accessor.HttpContext) is { } http && LoopbackHandler.IsLoopback(http);
        if (allowed)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
