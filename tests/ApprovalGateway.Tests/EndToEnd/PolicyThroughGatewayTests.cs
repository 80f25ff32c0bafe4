using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ApprovalGateway.Audit;
using ApprovalGateway.Policy;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.Primitives;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>policy.json decides every tools/list and tools/call that passes a real gateway in front of the demo exchange.</summary>
public sealed class PolicyThroughGatewayTests
{
    private const string SeedPolicy = """{ "version": "1", "default": "deny", "hide": ["BinanceSpotCancelOpenTWAPOrder"] }""";

    [Fact]
    public async Task SeedPolicy_HidesTheTool_AnswersItAsUnknown_AndDeniesEverythingElse()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(), SeedPolicy);
        await using var client = await gateway.ConnectAsync();

        var names = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        var hidden = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.CallToolAsync("BinanceSpotCancelOpenTWAPOrder", new Dictionary<string, object?> { ["algoId"] = 123 }).AsTask());
        var missing = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.CallToolAsync("BinanceNoSuchTool", new Dictionary<string, object?> { ["algoId"] = 123 }).AsTask());
        var denied = await client.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());

        Assert.DoesNotContain("BinanceSpotCancelOpenTWAPOrder", names);
        Assert.Contains("BinanceGetAccount", names);
        Assert.Equal(missing.ErrorCode, hidden.ErrorCode);
        Assert.Equal(missing.Message.Replace("BinanceNoSuchTool", "X", StringComparison.Ordinal), hidden.Message.Replace("BinanceSpotCancelOpenTWAPOrder", "X", StringComparison.Ordinal));
        Assert.True(denied.IsError);
        Assert.StartsWith("Policy denied: ", Text(denied));
        Assert.Equal("denied", (string?)Refusals.Of(denied)["decision"]);
        var outcomes = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10).Select(r => (r.Tool, r.Outcome)).ToList();
        Assert.Contains(("BinanceSpotCancelOpenTWAPOrder", "hidden"), outcomes);
        Assert.Contains(("BinanceGetAccount", "denied"), outcomes);
    }

    [Fact]
    public async Task ListingAToolWithEmptyRule_AllowsIt_UnderDefaultDeny()
    {
        const string policy = """{ "version": "1", "default": "deny", "tools": { "BinanceGetAccount": {} } }""";
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(), policy);
        await using var client = await gateway.ConnectAsync();

        var account = await client.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());

        Assert.NotEqual(true, account.IsError);
        Assert.Contains("USDT", Text(account));
    }

    [Fact]
    public async Task RateLimit_RefusesTheThirdCallInTheWindow_WithRetryAfter_AndNeverForwardsIt()
    {
        const string policy = """
            { "version": "1", "default": "allow",
              "tools": { "BinanceTickerPrice": { "action": "allow", "rate_limit": { "max": 2, "window": 60 } } } }
            """;
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(), policy);
        await using var client = await gateway.ConnectAsync();
        var args = new Dictionary<string, object?> { ["symbol"] = "BTCUSDT" };

        await client.CallToolAsync("BinanceTickerPrice", args);
        await client.CallToolAsync("BinanceTickerPrice", args);
        var third = await client.CallToolAsync("BinanceTickerPrice", args);

        Assert.True(third.IsError);
        Assert.StartsWith("Rate limit: 2 calls per 60 s exceeded, retry in ", Text(third));
        Assert.Equal("rate_limited", (string?)Refusals.Of(third)["decision"]);
        Assert.InRange((int)Refusals.Of(third)["retryAfterSeconds"]!, 1, 60);
        var records = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10).Where(r => r.Tool == "BinanceTickerPrice").ToList();
        Assert.Equal(2, records.Count(r => r.Outcome == "forwarding"));
        Assert.Equal(2, records.Count(r => r.Outcome == "forwarded"));
        Assert.Equal(1, records.Count(r => r.Outcome == "rate_limited"));
    }

    [Fact]
    public async Task Agents_WithoutAValidKey_Get401_AndKnownAgentsAreNamedInTheAudit()
    {
        var settings = TestUpstreams.Merge(TestUpstreams.DemoStdio(), new Dictionary<string, string?>
        {
            ["Gateway:Agents:trader-bot:ApiKey"] = "trader-bot-key-0123456789",
            ["Gateway:Agents:research-bot:ApiKey"] = "research-bot-key-0123456789",
        });
        await using var gateway = await GatewayHost.StartAsync(settings);
        using var http = new HttpClient();

        using var missing = await InitializeAsync(http, gateway, bearer: null);
        using var wrong = await InitializeAsync(http, gateway, bearer: "not-a-key-at-all-0000");
        await using var trader = await gateway.ConnectAsync(bearer: "trader-bot-key-0123456789");
        await trader.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var records = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10).Reverse().ToList();
        Assert.Equal(
            [
                "POST /mcp refused: Missing API key: send Authorization: Bearer <key>. (from 127.0.0.1)",
                "POST /mcp refused: Invalid API key. (from 127.0.0.1)",
            ],
            records.Where(r => r.Outcome == "unauthenticated").Select(r => r.Reason));
        var record = ForwardedCallRecords.Single([.. records.Where(r => r.Outcome != "unauthenticated")]);
        Assert.Equal("trader-bot", record.Agent);
        Assert.Equal(trader.SessionId, record.SessionId);

        // One agent cannot use another agent's session.
        using var hijack = new HttpRequestMessage(HttpMethod.Post, gateway.McpEndpoint)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/list"}""", Encoding.UTF8, "application/json"),
        };
        hijack.Headers.Accept.ParseAdd("application/json");
        hijack.Headers.Accept.ParseAdd("text/event-stream");
        hijack.Headers.Add("Mcp-Session-Id", trader.SessionId);
        hijack.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        hijack.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "research-bot-key-0123456789");
        using var hijacked = await http.SendAsync(hijack);
        Assert.False(hijacked.IsSuccessStatusCode);
    }

    [Fact]
    public async Task HotReload_AppliesAGoodEdit_AndKeepsTheLastGoodPolicy_WhenAnEditIsBroken()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(), GatewayHost.AllowAll);
        await using var client = await gateway.ConnectAsync();
        var store = gateway.Services.GetRequiredService<PolicyStore>();
        Assert.NotEqual(true, (await client.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>())).IsError);

        await EditAsync(store, gateway.PolicyPath, """{ "version": "1", "default": "allow", "tools": { "BinanceGetAccount": { "action": "deny", "reason": "maintenance" } } }""");
        var denied = await client.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());
        await EditAsync(store, gateway.PolicyPath, """{ "version": "1", "default": "allow", "tools": { "BinanceGetAccount": { "action": "explode" } } }""");
        var stillDenied = await client.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());

        Assert.Equal("Policy denied: maintenance", Text(denied));
        Assert.Equal("Policy denied: maintenance", Text(stillDenied));
        Assert.Contains(":1:", store.LastError);
        Assert.Contains("explode", store.LastError);
    }

    /// <summary>
    /// Replaces the file whole (written beside it, then moved over it) and waits for the watcher's reload. Written in
    /// place, a writer held up between truncating the file and writing it let the watcher reload the empty file: that
    /// reload fired the token, and the test called the tool and read LastError before the edit was read at all.
    /// </summary>
    private static async Task EditAsync(PolicyStore store, string path, string json)
    {
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = ChangeToken.OnChange(store.GetReloadToken, () => reloaded.TrySetResult());
        var written = path + ".edit";
        await File.WriteAllTextAsync(written, json);
        File.Move(written, path, overwrite: true);
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static Task<HttpResponseMessage> InitializeAsync(HttpClient http, GatewayHost gateway, string? bearer)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gateway.McpEndpoint)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return http.SendAsync(request);
    }

    private static string Text(CallToolResult result) => string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));
}
