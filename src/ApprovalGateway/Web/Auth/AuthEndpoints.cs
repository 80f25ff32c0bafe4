using System.Globalization;
using ApprovalGateway.Audit;
using ApprovalGateway.Policy.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ApprovalGateway.Web.Auth;

internal static class AuthEndpoints
{
    private const string LoggerCategory = "ApprovalGateway.Web.Auth.Login";

    /// <summary>Maps <c>GET/POST /login</c>, <c>POST /logout</c> and <c>GET /api/antiforgery</c>.</summary>
    public static IEndpointRouteBuilder MapGatewayAuth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/login", ShowLogin).AllowAnonymous().WithName("Login");
        endpoints.MapPost("/login", LoginAsync).AllowAnonymous();
        endpoints.MapPost("/logout", LogoutAsync).AllowAnonymous();
        endpoints.MapGet("/api/antiforgery", GetAntiforgeryToken).RequireAuthorization(ApproverClaims.Policy);
        return endpoints;
    }

    private static ContentHttpResult ShowLogin(HttpContext context, IAntiforgery antiforgery, ApproverDirectory directory, string? returnUrl) =>
        Page(context, antiforgery, directory, returnUrl, name: null, error: null, StatusCodes.Status200OK,
            signedOut: context.Request.Query.ContainsKey(LoginPage.SignedOutFlag));

    // [FromForm] makes the endpoint require anti-forgery validation, which UseAntiforgery performs before binding.
    private static async Task<IResult> LoginAsync(
        HttpContext context,
        [FromForm] string? name,
        [FromForm] string? password,
        [FromForm] string? returnUrl,
        IAntiforgery antiforgery,
        ApproverDirectory directory,
        SignInThrottle throttle,
        RefusalAudit refusals,
        ILoggerFactory loggers)
    {
        if (!directory.HasApprovers)
        {
            return Page(context, antiforgery, directory, returnUrl, name, "No approvers are configured, so there is nobody to sign in as.", StatusCodes.Status400BadRequest);
        }

        if (string.IsNullOrWhiteSpace(name) || string.IsNullOrEmpty(password))
        {
            return Page(context, antiforgery, directory, returnUrl, name, "Enter your name and password.", StatusCodes.Status400BadRequest);
        }

        var trimmed = name.Trim();
        var address = context.Connection.RemoteIpAddress;
        if (throttle.RetryAfter(trimmed, address) is { } wait)
        {
            context.Response.Headers.RetryAfter = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            var minutes = (long)Math.Ceiling(wait.TotalMinutes);
            await refusals.RecordAsync(RefusalDoor.Approvers, $"Sign-in as {Quoted(trimmed)} refused: locked out after too many failed attempts, for {minutes} more {(minutes == 1 ? "minute" : "minutes")}", address);
            return Page(
                context,
                antiforgery,
                directory,
                returnUrl,
                name,
                $"Too many failed sign-in attempts; try again in {minutes} {(minutes == 1 ? "minute" : "minutes")}.",
                StatusCodes.Status429TooManyRequests);
        }

        var logger = loggers.CreateLogger(LoggerCategory);
        if (directory.VerifyPassword(trimmed, password) is not { } approver)
        {
            var lockedOut = throttle.Failed(trimmed, address);
            Log.SignInFailed(logger, name, address?.ToString());

            // The name tried, never the password: a password typed into the name field is the risk we accept for
            // knowing which account is being guessed.
            await refusals.RecordAsync(RefusalDoor.Approvers, $"Sign-in as {Quoted(trimmed)} refused: wrong name or password{lockedOut}", address);
            return Page(context, antiforgery, directory, returnUrl, name, "Wrong name or password.", StatusCodes.Status401Unauthorized);
        }

        throttle.Succeeded(trimmed);
        await context.SignInAsync(ApproverSchemes.Cookie, ApproverPrincipal.Create(approver, ApproverSchemes.Cookie));
        Log.SignedIn(logger, approver.Name);
        return TypedResults.Redirect(LocalUrl.OrRoot(returnUrl));
    }

    // Whatever a caller typed: cut short, so a flood of long names cannot bloat the audit log.
    private static string Quoted(string name) => $"'{ShortText.Cut(name, MaxNameInRecord)}'";

    private const int MaxNameInRecord = 64;

    private static async Task<IResult> LogoutAsync(
        HttpContext context, IAntiforgery antiforgery, IEnumerable<ISignOutListener> listeners, ILoggerFactory loggers)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.Json(
                new AuthError($"Missing or invalid anti-forgery token: send the {ApiAntiforgeryMiddleware.HeaderName} header or the form field."),
                AuthJsonContext.Default.AuthError,
                statusCode: StatusCodes.Status400BadRequest);
        }

        var logger = loggers.CreateLogger(LoggerCategory);
        var name = (await context.AuthenticateAsync(ApproverSchemes.Cookie)).Principal?.Identity?.Name;
        await context.SignOutAsync(ApproverSchemes.Cookie);
        Log.SignedOut(logger, name);
        if (name is not null)
        {
            foreach (var listener in listeners)
            {
                listener.SignedOut(name);
            }
        }
        // Said on the form it lands on: a bare sign-in form left the approver unsure the sign-out had worked.
        return TypedResults.Redirect($"/login?{LoginPage.SignedOutFlag}=1");
    }

    private static JsonHttpResult<AntiforgeryToken> GetAntiforgeryToken(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Json(
            new AntiforgeryToken(tokens.RequestToken!, tokens.HeaderName ?? ApiAntiforgeryMiddleware.HeaderName),
            AuthJsonContext.Default.AntiforgeryToken);
    }

    private static ContentHttpResult Page(
        HttpContext context, IAntiforgery antiforgery, ApproverDirectory directory, string? returnUrl, string? name, string? error, int status, bool signedOut = false)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        context.Response.Headers[HeaderNames.ContentSecurityPolicy] = LoginPage.ContentSecurityPolicy;
        context.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        var html = LoginPage.Render(tokens.FormFieldName, tokens.RequestToken!, LocalUrl.OrRoot(returnUrl), name, error, directory.HasApprovers, signedOut);
        return TypedResults.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
