using System.Net;
using System.Text.Json.Nodes;
using ApprovalGateway.Policy;
using ApprovalGateway.Tests.Infrastructure;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// Requests the Streamable HTTP transport refuses get the answers the reference server (server-everything, on the
/// TypeScript SDK) gives: sent to both side by side, the status, JSON-RPC code and message match.
/// </summary>
public sealed class HttpRefusalTransparencyTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SecondGetStreamOfASession_Gets409AsFromTheTypeScriptSdk_WhileResumingWithLastEventIdStillWorks()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.StreamableHttp);

        var direct = await SecondGetAsync(everything.UpstreamEndpoint!, notify: null);
        var viaGateway = await SecondGetAsync(everything.Gateway.McpEndpoint, notify: async () =>
        {
            // Something for the session's stream to carry: a resumed stream answers once it has an event to send.
            await File.WriteAllTextAsync(everything.Gateway.PolicyPath, """{ "version": "1", "default": "allow", "hide": ["echo"] }""");
            Assert.True(everything.Gateway.Services.GetRequiredService<PolicyStore>().Reload());
        });

        // Before, the gateway answered 400 "This server does not support multiple GET requests. Start a new session…".
        Assert.Equal((HttpStatusCode.Conflict, -32000, "Conflict: Only one SSE stream is allowed per session"), direct);
        Assert.Equal(direct, viaGateway);
    }

    /// <summary>
    /// The answer to a second GET while the session's first is open. With <paramref name="notify"/>, which has the
    /// gateway tell the session something, a GET that resumes the first from its priming event must then still carry it
    /// (server-everything primes no GET stream, so there is nothing to resume from).
    /// </summary>
    private static async Task<(HttpStatusCode, int, string)> SecondGetAsync(Uri endpoint, Func<Task>? notify)
    {
        await using var agent = await RawHttpAgent.ConnectAsync(endpoint, "{}");
        var first = agent.Listen();
        Assert.Equal(HttpStatusCode.OK, await first.Status.WaitAsync(Patience));

        using var http = new HttpClient();
        using var second = new HttpRequestMessage(HttpMethod.Get, endpoint);
        second.Headers.Accept.ParseAdd("text/event-stream");
        second.Headers.Add("Mcp-Session-Id", agent.SessionId);
        second.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        using var refused = await http.SendAsync(second).WaitAsync(Patience);
        var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;

        if (notify is not null)
        {
            var resumed = agent.Listen(await first.FirstEventId.WaitAsync(Patience));
            await notify();
            await resumed.NextAsync(m => (string?)m["method"] == "notifications/tools/list_changed").WaitAsync(Patience);
            Assert.Equal(HttpStatusCode.OK, await resumed.Status);
        }

        return (refused.StatusCode, error["code"]!.GetValue<int>(), error["message"]!.GetValue<string>());
    }
}
