using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Hosting;
using ApprovalGateway.Tests.EndToEnd;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// A web page the user visits cannot use the gateway through their browser: not by DNS rebinding (a name the attacker
/// points at 127.0.0.1, so the page's requests come from this machine), not with the approver's cookie on another
/// page's WebSocket. Requests are sent as such a browser sends them: from 127.0.0.1, with its Host and Origin.
/// </summary>
public sealed class BrowserOriginTests
{
    private const string HoldCancel = """
        {
          "version": "1",
          "default": "allow",
          "tools": { "BinanceSpotCancelOpenTWAPOrder": { "action": "require_approval", "approval": { "timeout": 300 } } }
        }
        """;

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ReboundPage_CannotReadOrApproveHeldCalls_WhenNoApproversAreConfigured()
    {
        var watcher = new WebApprovalWatcher();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.DemoStdio(), HoldCancel, b => b.Services.AddSingleton<IApprovalObserver>(watcher));
        await using var agent = await gateway.ConnectAsync();
        var call = agent.CallToolAsync(WebGateway.CancelTwap, WebGateway.CancelArguments(123)).AsTask();
        var held = await watcher.WaitForAsync(WebGateway.CancelTwap, ApprovalStatus.Pending).WaitAsync(Guard);
        using var browser = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = gateway.BaseAddress };
        var rebound = $"attacker.example:{gateway.BaseAddress.Port}";

        // Before, all three answered: the page read the arguments, took a token and approved the call.
        using var list = await browser.SendAsync(Request(HttpMethod.Get, "/api/approvals", rebound));
        using var token = await browser.SendAsync(Request(HttpMethod.Get, "/api/antiforgery", rebound));
        var decide = Request(HttpMethod.Post, $"/api/approvals/{held.Id}/decision", rebound, origin: $"http://{rebound}");
        decide.Content = new StringContent("""{"decision":"approve"}""", Encoding.UTF8, "application/json");
        using var decision = await browser.SendAsync(decide);

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, decision.StatusCode);
        Assert.False(call.IsCompleted);

        // The person at the machine, on the gateway's own page, still decides.
        using var local = await browser.SendAsync(Request(HttpMethod.Get, "/api/approvals", $"localhost:{gateway.BaseAddress.Port}"));
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Contains(held.Id, await local.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherPage_CannotOpenTheApprovalsHub_WithTheMachinesTrust()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(), HoldCancel);
        using var browser = new HttpClient { BaseAddress = gateway.BaseAddress };
        var host = $"localhost:{gateway.BaseAddress.Port}";

        using var foreign = await browser.SendAsync(Request(HttpMethod.Post, "/hubs/approvals/negotiate?negotiateVersion=1", host, origin: "http://localhost:5328"));
        using var own = await browser.SendAsync(Request(HttpMethod.Post, "/hubs/approvals/negotiate?negotiateVersion=1", host, origin: $"http://{host}"));

        Assert.Equal(HttpStatusCode.Unauthorized, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task ApproversCookie_OpensTheHubFromTheGatewaysOwnPage_NotFromAnotherPageOnTheSameSite()
    {
        await using var web = await WebGateway.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:AllowedOrigins:0"] = "https://approvals.example.com",
        });
        var (alice, _) = await web.SignInAsync("alice");
        var own = web.Host.BaseAddress.GetLeftPart(UriPartial.Authority);
        var host = web.Host.BaseAddress.Authority;

        // The cookie is SameSite=Lax, and another port of the same host is the same site, so the browser sends it.
        using var otherPort = await alice.SendAsync(Request(HttpMethod.Post, "/hubs/approvals/negotiate?negotiateVersion=1", host, origin: "http://127.0.0.1:5328"));
        using var fromOwn = await alice.SendAsync(Request(HttpMethod.Post, "/hubs/approvals/negotiate?negotiateVersion=1", host, origin: own));
        using var viaProxy = await alice.SendAsync(Request(HttpMethod.Post, "/hubs/approvals/negotiate?negotiateVersion=1", host, origin: "https://approvals.example.com"));

        Assert.Equal(HttpStatusCode.Forbidden, otherPort.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fromOwn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, viaProxy.StatusCode);
    }

    [Fact]
    public async Task McpRequestFromAWebPage_IsRefusedWithAReasonAndRecorded_UnlessItsOriginIsAllowed()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.DemoStdio(),
            new Dictionary<string, string?> { ["Gateway:AllowedOrigins:0"] = "https://inspector.example.com" }));
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        var rebound = $"attacker.example:{gateway.BaseAddress.Port}";
        var local = $"localhost:{gateway.BaseAddress.Port}";

        using var fromAttacker = await http.SendAsync(Initialize(rebound, $"http://{rebound}"));
        using var fromLocalInspector = await http.SendAsync(Initialize(local, "http://localhost:6274"));
        using var fromListedOrigin = await http.SendAsync(Initialize(local, "https://inspector.example.com"));
        using var fromAProgram = await http.SendAsync(Initialize(local, origin: null));

        // Before, the rebound page's initialize opened a session and its tools/call reached the exchange.
        Assert.Equal(HttpStatusCode.Forbidden, fromAttacker.StatusCode);
        var error = (await fromAttacker.Content.ReadFromJsonAsync<JsonObject>())!["error"]!;
        Assert.Equal(
            $"The gateway refuses MCP requests from web pages: origin http://{rebound} is not allowed. " +
            "To let a browser-based MCP client in, list its origin in Gateway:AllowedOrigins.",
            (string?)error["message"]);
        Assert.False(fromAttacker.Headers.Contains("Mcp-Session-Id"));
        var record = gateway.Services.GetRequiredService<IAuditLog>().Recent(10).Single(r => r.Outcome == "unauthenticated");
        Assert.StartsWith($"POST /mcp refused: The gateway refuses MCP requests from web pages: origin http://{rebound}", record.Reason, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, fromLocalInspector.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fromListedOrigin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fromAProgram.StatusCode);
    }

    [Fact]
    public void AllowedOrigins_ThatAreNotOrigins_StopStartupNamingTheSetting()
    {
        var options = new GatewayOptions
        {
            Upstreams = { ["demo"] = new() { Command = "dotnet" } },
            AllowedOrigins = ["https://ok.example.com", "https://bad.example.com/path", "*"],
        };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal(
            [
                "Gateway:AllowedOrigins: 'https://bad.example.com/path' is not an origin; write it as a browser sends it, e.g. https://inspector.example.com or http://localhost:6274.",
                "Gateway:AllowedOrigins: '*' is not an origin; write it as a browser sends it, e.g. https://inspector.example.com or http://localhost:6274.",
            ],
            result.Failures);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string host, string? origin = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Host = host;
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return request;
    }

    private static HttpRequestMessage Initialize(string host, string? origin)
    {
        var request = Request(HttpMethod.Post, "/mcp", host, origin);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Content = new StringContent(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"page","version":"1"}}}""",
            Encoding.UTF8,
            "application/json");
        return request;
    }
}
