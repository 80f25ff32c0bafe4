using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>With approvers configured, the real gateway serves its page, APIs, hub and dashboard to approvers only.</summary>
public sealed class SignInRequiredTests : IAsyncLifetime
{
    private static readonly string[] ApiRoutes = ["/api/approvals", "/api/tools", "/api/audit", "/api/audit.csv", "/api/policy", "/api/antiforgery"];

    private WebGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await WebGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task EveryApproverRoute_RefusesAnonymousCallers_WhenApproversAreConfigured()
    {
        using var client = _gateway.Anonymous();

        using var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login", page.Headers.Location!.AbsolutePath);
        Assert.Contains("returnUrl=%2F", page.Headers.Location.Query, StringComparison.Ordinal);
        await AssertApiRefusedAsync(client);
        await AssertDashboardRefusedAsync(client);
    }

    [Fact]
    public async Task AgentApiKey_IsRefusedOnEveryApproverRoute_ThoughItOpensMcp()
    {
        using var client = _gateway.WithBearer(WebGateway.AgentKey);

        using var page = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login", page.Headers.Location!.AbsolutePath);
        await AssertApiRefusedAsync(client);
        await AssertDashboardRefusedAsync(client);
        await using var agent = await _gateway.ConnectAgentAsync();
        Assert.Contains(await agent.ListToolsAsync(), t => t.Name == WebGateway.CancelTwap);
    }

    [Fact]
    public async Task ApproverToken_WorksOnTheApi_ButIsRefusedOnMcp()
    {
        using var client = _gateway.WithBearer(WebGateway.AliceToken);

        foreach (var route in ApiRoutes)
        {
            using var response = await client.GetAsync(route);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{route} answered {(int)response.StatusCode} to an approver token");
        }

        using var mcp = await client.PostAsync(_gateway.Host.McpEndpoint, JsonContent.Create(new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = "initialize",
            ["params"] = new JsonObject
            {
                ["protocolVersion"] = "2025-11-25",
                ["capabilities"] = new JsonObject(),
                ["clientInfo"] = new JsonObject { ["name"] = "script", ["version"] = "1" },
            },
        }));
        Assert.Equal(HttpStatusCode.Unauthorized, mcp.StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => _gateway.Host.ConnectAsync(bearer: WebGateway.AliceToken));
    }

    [Fact]
    public async Task CookieDecision_IsRefusedWithoutTheCsrfHeader_AndCountsWithIt()
    {
        await using var agent = await _gateway.ConnectAgentAsync();
        var algoId = await WebGateway.PlaceTwapAsync(agent);
        var call = agent.CallToolAsync(WebGateway.CancelTwap, WebGateway.CancelArguments(algoId)).AsTask();
        var pending = await _gateway.Approvals.WaitForAsync(WebGateway.CancelTwap, ApprovalStatus.Pending);
        var (bob, csrf) = await _gateway.SignInAsync("bob");
        using var _ = bob;
        var decision = $"/api/approvals/{pending.Id}/decision";

        using var forged = await bob.PostAsync(decision, JsonContent.Create(new { decision = "approve" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("X-CSRF-TOKEN", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(call.IsCompleted, "a refused decision must leave the call waiting");

        using var request = new HttpRequestMessage(HttpMethod.Post, decision) { Content = JsonContent.Create(new { decision = "approve" }) };
        request.Headers.Add("X-CSRF-TOKEN", csrf);
        using var accepted = await bob.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var result = await call;
        Assert.NotEqual(true, result.IsError);
        Assert.Equal(ApprovalStatus.Approved, _gateway.Host.Services.GetRequiredService<IApprovalDecisions>().Get(pending.Id)!.Status);
    }

    private static async Task AssertApiRefusedAsync(HttpClient client)
    {
        foreach (var route in ApiRoutes)
        {
            using var response = await client.GetAsync(route);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route} answered {(int)response.StatusCode}, not 401");
        }

        using var negotiate = await client.PostAsync("/hubs/approvals/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.Unauthorized, negotiate.StatusCode);
    }

    private static async Task AssertDashboardRefusedAsync(HttpClient client)
    {
        using var dashboard = await client.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
        Assert.Equal("/login", dashboard.Headers.Location!.AbsolutePath);
    }
}
