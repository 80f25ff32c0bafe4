using System.Security.Claims;
using ApprovalGateway.Web.Auth;

namespace ApprovalGateway.Web;

internal static class WebEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the page at <c>/</c> and <c>/index.html</c> and the hub at <see cref="ApprovalsHub.Path"/> for approvers,
    /// <c>GET /api/me</c> (who the page is signed in as) for approvers, and the page's scripts, styles and images for
    /// anyone. Needs authentication and authorization in the pipeline.
    /// </summary>
    public static IEndpointRouteBuilder MapGatewayWeb(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", (HttpContext context, WebAssets assets) => assets.Page(context))
            .RequireAuthorization(ApproverClaims.Policy).ExcludeFromDescription();
        endpoints.MapGet("/" + WebAssets.PageFile, (HttpContext context, WebAssets assets) => assets.Page(context))
            .RequireAuthorization(ApproverClaims.Policy).ExcludeFromDescription();
        endpoints.MapGet("/api/me", (ClaimsPrincipal user) => TypedResults.Json(
                new SignedInApprover(user.Identity?.Name ?? "", user.FindFirst(ApproverClaims.SlackUserId)?.Value),
                AuthJsonContext.Default.SignedInApprover))
            .RequireAuthorization(ApproverClaims.Policy);
        foreach (var folder in WebAssets.OpenFolders)
        {
            endpoints.MapGet($"/{folder}/{{**file}}", (HttpContext context, WebAssets assets, string file) => assets.Asset(context, folder, file))
                .AllowAnonymous().ExcludeFromDescription();
        }

        // A connection is authorised once, when it opens: without this a page left open outlived its sign-in and went
        // on receiving every held call and its arguments.
        endpoints.MapHub<ApprovalsHub>(ApprovalsHub.Path, options => options.CloseOnAuthenticationExpiration = true)
            .RequireAuthorization(ApproverClaims.Policy)
            .Add(hub =>
            {
                var next = hub.RequestDelegate!;
                hub.RequestDelegate = context =>
                {
                    context.RequestServices.GetRequiredService<PageConnections>().Authorised(context);
                    return next(context);
                };
            });
        return endpoints;
    }
}
