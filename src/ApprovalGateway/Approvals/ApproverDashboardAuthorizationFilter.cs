using ApprovalGateway.Web;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalGateway.Approvals;

/// <summary>
/// Lets only approvers into the Hangfire dashboard by evaluating <see cref="ApproverClaims.Policy"/>; it replaces
/// Hangfire's local-requests-only default, so the dashboard is never open.
/// </summary>
internal sealed class ApproverDashboardAuthorizationFilter : IDashboardAsyncAuthorizationFilter
{
    public async Task<bool> AuthorizeAsync(DashboardContext context)
    {
        var http = context.GetHttpContext();
        var authorization = http.RequestServices.GetRequiredService<IAuthorizationService>();
        var result = await authorization.AuthorizeAsync(http.User, ApproverClaims.Policy);
        return result.Succeeded;
    }
}
