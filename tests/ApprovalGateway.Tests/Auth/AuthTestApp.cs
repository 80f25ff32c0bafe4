using System.Security.Claims;
using System.Text.RegularExpressions;
using ApprovalGateway.Agents;
using ApprovalGateway.Audit;
using ApprovalGateway.Web;
using ApprovalGateway.Web.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalGateway.Tests.Auth;

internal static partial class AuthTestApp
{
    public const string Password = "correct horse battery";
    public const string AliceToken = "alice-token-0123456789";
    public const string AgentKey = "trader-key-0123456789abcdef";

    private static readonly Lazy<string> AliceHash = new(() => PasswordHasher.Hash(Password, PasswordHasher.MinimumIterations));

    public static Dictionary<string, string?> WithApprover() => new()
    {
        ["Approvers:alice:PasswordHash"] = AliceHash.Value,
        ["Approvers:alice:Token"] = AliceToken,
        ["Approvers:alice:SlackUserId"] = "U0ALICE",
        ["Gateway:Agents:trader:ApiKey"] = AgentKey,
    };

    public static Dictionary<string, string?> WithoutApprovers() => [];

    /// <summary>The gateway's auth wiring plus a protected page, a protected API read and write, and an MCP stand-in.</summary>
    /// <param name="services">Registers services ahead of the gateway's own, such as a <c>FakeTimeProvider</c>.</param>
    public static Task<LoopbackApp> StartAsync(
        Dictionary<string, string?> settings, Action<WebApplication>? map = null, Action<IServiceCollection>? services = null) =>
        LoopbackApp.StartAsync(
            settings,
            (collection, configuration) =>
            {
                services?.Invoke(collection);
                collection.AddGatewayAudit(configuration);
                collection.AddGatewayAgents(configuration);
                collection.AddGatewayAuth(configuration);
            },
            app =>
            {
                app.UseAgentAuthentication("/mcp");
                app.UseGatewayAuth();
                app.MapGatewayAuth();
                app.MapGet("/page", (ClaimsPrincipal user) => $"page for {user.Identity!.Name}").RequireAuthorization(ApproverClaims.Policy);
                app.MapGet("/api/whoami", (ClaimsPrincipal user) => $"{user.Identity!.Name} {user.FindFirst(ApproverClaims.SlackUserId)?.Value}")
                    .RequireAuthorization(ApproverClaims.Policy);
                app.MapPost("/api/echo", (ClaimsPrincipal user) => $"posted by {user.Identity!.Name}").RequireAuthorization(ApproverClaims.Policy);
                app.MapPost("/mcp", () => "forwarded");
                app.MapGet("/hubs/approvals", () => "hub").RequireAuthorization(ApproverClaims.Policy);
                map?.Invoke(app);
            });

    public static string FormToken(string html) => TokenField().Match(html) is { Success: true } match
        ? match.Groups[1].Value
        : throw new InvalidOperationException("The login page has no anti-forgery field.");

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
