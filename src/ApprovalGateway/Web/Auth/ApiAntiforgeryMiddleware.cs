using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace ApprovalGateway.Web.Auth;

/// <summary>
/// A cookie (or, without approvers, the loopback address) is ambient: another site can make the browser send it.
/// So an unsafe request to a protected <c>/api/*</c> endpoint authenticated that way must carry the anti-forgery
/// header. Bearer-token callers chose to send their credential, so they need none.
/// </summary>
internal sealed class ApiAntiforgeryMiddleware(RequestDelegate next, IAntiforgery antiforgery)
{
    public const string HeaderName = "X-CSRF-TOKEN";

    public async Task InvokeAsync(HttpContext context)
    {
        if (NeedsToken(context) && !await antiforgery.IsRequestValidAsync(context))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsJsonAsync(
                new AuthError($"Missing or invalid anti-forgery token: send the {HeaderName} header with the token from GET /api/antiforgery."),
                AuthJsonContext.Default.AuthError,
                contentType: null,
                context.RequestAborted);
            return;
        }

        await next(context);
    }

    private static bool NeedsToken(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || HttpMethods.IsTrace(request.Method) || !request.Path.StartsWithSegments("/api"))
        {
            return false;
        }

        var ambient = context.User.Identity is { IsAuthenticated: true, AuthenticationType: ApproverSchemes.Cookie or ApproverSchemes.Loopback };
        return ambient && context.GetEndpoint()?.Metadata.GetMetadata<IAuthorizeData>() is not null;
    }
}
