using ApprovalGateway.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Web.Auth;

internal static class AuthExtensions
{
    public const string CookieName = "approval-gateway.auth";
    public const string AntiforgeryCookieName = "approval-gateway.csrf";

    /// <summary>
    /// Approver sign-in: a cookie for people, bearer tokens for scripts, loopback-only <c>local</c> when nobody is
    /// configured; the <see cref="ApproverClaims.Policy"/> policy; anti-forgery with the <c>X-CSRF-TOKEN</c> header; the
    /// failed sign-in throttle (<c>Web:MaxFailedSignInsPerName</c>, <c>:MaxFailedSignInsPerAddress</c>, <c>:FailedSignInWindow</c>);
    /// the sign-in's lifetime (<c>Web:SignInLifetime</c>).
    /// </summary>
    public static IServiceCollection AddGatewayAuth(this IServiceCollection services, IConfiguration configuration)
    {
        // Bound at the root so the ApproverOptions.Approvers property picks up the top-level Approvers section.
        services.AddOptions<ApproverOptions>().Bind(configuration).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApproverOptions>, ApproverOptionsValidator>();
        services.AddSingleton<ApproverDirectory>();
        services.AddSingleton<IApproverDirectory>(sp => sp.GetRequiredService<ApproverDirectory>());
        services.AddHostedService<AuthStartup>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddWebOptions();
        services.TryAddSingleton<SignInThrottle>();
        services.TryAddSingleton<BrowserOrigins>();
        services.AddHttpContextAccessor();

        services.AddAuthentication(ApproverSchemes.Default)
            .AddPolicyScheme(ApproverSchemes.Default, "Approver", o => o.ForwardDefaultSelector = SelectScheme)
            .AddCookie(ApproverSchemes.Cookie, ConfigureCookie)
            .AddScheme<AuthenticationSchemeOptions, ApproverTokenHandler>(ApproverSchemes.Token, configureOptions: null)
            .AddScheme<AuthenticationSchemeOptions, LoopbackHandler>(ApproverSchemes.Loopback, configureOptions: null);
        services.AddOptions<CookieAuthenticationOptions>(ApproverSchemes.Cookie)
            .Configure<TimeProvider, IOptions<WebOptions>>((options, time, web) =>
            {
                options.TimeProvider = time;
                options.ExpireTimeSpan = web.Value.SignInLifetime;
            });

        services.AddAuthorizationBuilder().AddPolicy(ApproverClaims.Policy, policy => policy
            .AddAuthenticationSchemes(ApproverSchemes.Default)
            .RequireAuthenticatedUser()
            .AddRequirements(new ApproverRequirement()));
        services.AddSingleton<IAuthorizationHandler, ApproverAuthorizationHandler>();

        services.AddGatewayKeyRing(configuration);
        services.AddAntiforgery(options =>
        {
            options.HeaderName = ApiAntiforgeryMiddleware.HeaderName;
            options.Cookie.Name = AntiforgeryCookieName;
        });
        return services;
    }

    /// <summary>
    /// Authentication, authorization, form anti-forgery, then the <c>/api/*</c> anti-forgery check for cookie and
    /// loopback callers, in that order. Call after routing and before the endpoints run.
    /// </summary>
    public static IApplicationBuilder UseGatewayAuth(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app.UseMiddleware<ApiAntiforgeryMiddleware>();
    }

    private static string SelectScheme(HttpContext context)
    {
        // Approver tokens count only on the API and hubs: never on /mcp, where the bearer is an agent key.
        if (ApproverSchemes.IsApiPath(context.Request.Path) && !string.IsNullOrEmpty(ApproverSchemes.BearerToken(context.Request)))
        {
            return ApproverSchemes.Token;
        }

        return context.RequestServices.GetRequiredService<ApproverDirectory>().HasApprovers ? ApproverSchemes.Cookie : ApproverSchemes.Loopback;
    }

    private static void ConfigureCookie(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = CookieName;
        options.Cookie.HttpOnly = true;
        // Lax, not Strict: a link from a Slack prompt to the page must arrive signed in.
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.LoginPath = "/login";
        options.LogoutPath = "/logout";
        options.ReturnUrlParameter = "returnUrl";
        options.SlidingExpiration = true;
        options.Events.OnRedirectToLogin = context =>
        {
            if (ApproverSchemes.IsApiPath(context.Request.Path))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            }
            else
            {
                context.Response.Redirect(context.RedirectUri);
            }

            return Task.CompletedTask;
        };
        options.Events.OnRedirectToAccessDenied = context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        };
        options.Events.OnValidatePrincipal = context =>
        {
            // A removed approver's cookie stops working at once, not when it expires.
            var directory = context.HttpContext.RequestServices.GetRequiredService<ApproverDirectory>();
            if (context.Principal?.Identity?.Name is not { } name || directory.FindByName(name) is null)
            {
                context.RejectPrincipal();
            }

            return Task.CompletedTask;
        };
    }
}
