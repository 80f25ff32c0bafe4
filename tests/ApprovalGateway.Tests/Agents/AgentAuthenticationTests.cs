using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Agents;
using ApprovalGateway.Audit;
using ApprovalGateway.Tests.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalGateway.Tests.Agents;

public sealed class AgentAuthenticationTests
{
    private const string TraderKey = "trader-key-0123456789abcdef";

    private static readonly Dictionary<string, string?> OneAgent = new()
    {
        ["Gateway:Agents:trader:ApiKey"] = TraderKey,
        ["Gateway:Agents:trader:Owner"] = "alice",
        ["Gateway:Agents:reporter:ApiKey"] = "reporter-key-0123456789",
    };

    [Fact]
    public async Task Mcp_Returns401WithoutForwarding_WhenKeyIsMissing()
    {
        var reached = false;
        await using var app = await StartAsync(OneAgent, () => reached = true);

        using var response = await app.Client.PostAsync("/mcp", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("Missing API key", body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(reached);
    }

    [Fact]
    public async Task Mcp_Returns401WithoutForwarding_WhenKeyIsWrong()
    {
        var reached = false;
        await using var app = await StartAsync(OneAgent, () => reached = true);

        using var response = await SendAsync(app, "/mcp", TraderKey + "x");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("error=\"invalid_token\"", response.Headers.WwwAuthenticate.Single().Parameter);
        var body = await response.Content.ReadAsStringAsync();

        // A JSON-RPC error, as MCP clients read one; before, {"error":"Invalid API key."}.
        Assert.Equal("""{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Invalid API key."}}""", body);
        Assert.False(reached);
    }

    [Fact]
    public async Task Mcp_RefusedCallers_AreInTheAuditLog_WithTheReasonAndTheirAddress()
    {
        await using var app = await StartAsync(OneAgent);

        using var missing = await app.Client.PostAsync("/mcp", new StringContent("{}"));
        using var wrong = await SendAsync(app, "/mcp", TraderKey + "x");
        using var right = await SendAsync(app, "/mcp", TraderKey);

        var records = app.App.Services.GetRequiredService<IAuditLog>().Recent(10);
        Assert.Equal(
            ["POST /mcp refused: Invalid API key. (from 127.0.0.1)", "POST /mcp refused: Missing API key: send Authorization: Bearer <key>. (from 127.0.0.1)"],
            records.Select(r => r.Reason));
        Assert.All(records, r => Assert.Equal(("unauthenticated", "unauthenticated", null), (r.Decision, r.Outcome, r.Agent)));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task Mcp_PassesAgentIdentityToNextHandler_WhenKeyIsRight()
    {
        await using var app = await StartAsync(OneAgent);

        using var response = await SendAsync(app, "/mcp", TraderKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("trader owned by alice", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Mcp_TreatsEveryCallerAsAnonymous_WhenNoAgentIsConfigured()
    {
        await using var app = await StartAsync([]);

        using var response = await app.Client.PostAsync("/mcp", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("anonymous owned by nobody", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Mcp_RefusesCallersFromOtherMachines_WhenNoAgentIsConfigured()
    {
        var reached = false;
        await using var app = await StartAsync([], () => reached = true, remote: IPAddress.Parse("203.0.113.7"));

        using var response = await app.Client.PostAsync("/mcp", new StringContent("{}"));

        // Before, anyone who could reach a gateway published on 0.0.0.0 without agent keys had their calls run.
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.StartsWith("No agents are configured (Gateway:Agents), so this gateway serves MCP only to callers on its own machine", body!["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(reached);
        var record = Assert.Single(app.App.Services.GetRequiredService<IAuditLog>().Recent(10));
        Assert.EndsWith("(from 203.0.113.7)", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherPaths_PassWithoutKey_WhenAgentsAreConfigured()
    {
        await using var app = await StartAsync(OneAgent);

        using var response = await app.Client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(LoopbackApp app, string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent("{}") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await app.Client.SendAsync(request);
    }

    /// <param name="remote">The caller's address as the gateway sees it, for a caller on another machine.</param>
    private static Task<LoopbackApp> StartAsync(Dictionary<string, string?> settings, Action? onMcp = null, IPAddress? remote = null) =>
        LoopbackApp.StartAsync(
            settings,
            (services, configuration) =>
            {
                services.AddGatewayAudit(configuration);
                services.AddGatewayAgents(configuration);
            },
            app =>
            {
                if (remote is not null)
                {
                    app.Use((context, next) =>
                    {
                        context.Connection.RemoteIpAddress = remote;
                        return next(context);
                    });
                }

                app.UseAgentAuthentication("/mcp");
                app.MapPost("/mcp", (HttpContext context) =>
                {
                    onMcp?.Invoke();
                    var agent = context.GetAgent()!;
                    return $"{agent.Name} owned by {agent.Owner ?? "nobody"}";
                });
                app.MapGet("/health", () => "ok");
            });
}
