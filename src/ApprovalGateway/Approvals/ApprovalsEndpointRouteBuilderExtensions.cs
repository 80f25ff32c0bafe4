using ApprovalGateway.Web;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace ApprovalGateway.Approvals;

internal static class ApprovalsEndpointRouteBuilderExtensions
{
    /// <summary><c>GET /api/approvals</c>, <c>GET /api/approvals/{id}</c>, <c>POST /api/approvals/{id}/decision</c>, approvers only.</summary>
    public static IEndpointRouteBuilder MapApprovalsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/approvals").RequireAuthorization(ApproverClaims.Policy).AddEndpointFilter<StorageUnreachableFilter>();
        group.MapGet("", ApprovalsApi.List);
        group.MapGet("/{id}", ApprovalsApi.Get);
        group.MapPost("/{id}/decision", ApprovalsApi.DecideAsync);
        return endpoints;
    }

    /// <summary>
    /// <c>GET /api/grants</c> and <c>POST /api/grants/{approvalId}/revoke</c>, approvers only. Needs the audit log
    /// (<see cref="GrantRevocation"/>) besides the approval services.
    /// </summary>
    public static IEndpointRouteBuilder MapGrantsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/grants").RequireAuthorization(ApproverClaims.Policy).AddEndpointFilter<StorageUnreachableFilter>();
        group.MapGet("", GrantsApi.List);
        group.MapPost("/{id}/revoke", GrantsApi.RevokeAsync);
        return endpoints;
    }

    /// <summary>
    /// The Hangfire dashboard at <c>/hangfire</c>, approvers only (endpoint policy and dashboard filter both), and
    /// read-only: an approval's job is what expires its held call, so deleting or requeueing it from here would leave
    /// the call pending past its deadline. Approvers decide on the page, in Slack or through the API.
    /// </summary>
    public static IEndpointConventionBuilder MapApprovalsDashboard(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [new ApproverDashboardAuthorizationFilter()],
            DashboardTitle = "ApprovalGateway: approvals and jobs",
            AppPath = "/",
            DisplayStorageConnectionString = false,
            IsReadOnlyFunc = _ => true,
        }).RequireAuthorization(ApproverClaims.Policy);
}
