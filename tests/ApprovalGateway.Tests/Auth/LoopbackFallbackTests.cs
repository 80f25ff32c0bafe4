using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Web;
using ApprovalGateway.Web.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using static ApprovalGateway.Tests.Auth.AuthTestApp;

namespace ApprovalGateway.Tests.Auth;

public sealed class LoopbackFallbackTests
{
    [Fact]
    public async Task Api_ServesLoopbackCallerAsLocal_WhenNoApproverIsConfigured()
    {
        await using var app = await StartAsync(WithoutApprovers());

        Assert.Equal("local ", await app.Client.GetStringAsync("/api/whoami"));
        Assert.Equal("page for local", await app.Client.GetStringAsync("/page"));
    }

    [Fact]
    public async Task LoopbackPost_StillNeedsAntiforgeryHeader_BecauseBrowsersSendItFromAnySite()
    {
        await using var app = await StartAsync(WithoutApprovers());

        using var without = await app.Client.PostAsync("/api/echo", null);
        var token = await app.Client.GetFromJsonAsync<JsonObject>("/api/antiforgery");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/echo");
        request.Headers.Add("X-CSRF-TOKEN", token!["token"]!.GetValue<string>());
        using var with = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Equal("posted by local", await with.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Api_Returns401_WhenNoApproverIsConfiguredAndCallerIsRemote()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddGatewayAuth(builder.Configuration);
        await using var app = builder.Build();
        app.UseGatewayAuth();
        app.MapGet("/api/whoami", () => "secret").RequireAuthorization(ApproverClaims.Policy);
        await app.StartAsync();

        var remote = await app.GetTestServer().SendAsync(context =>
        {
            context.Request.Path = "/api/whoami";
            context.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
        });
        var local = await app.GetTestServer().SendAsync(context =>
        {
            context.Request.Path = "/api/whoami";
            context.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:127.0.0.1");
        });

        Assert.Equal(StatusCodes.Status401Unauthorized, remote.Response.StatusCode);
        Assert.Equal(StatusCodes.Status200OK, local.Response.StatusCode);
    }
}
