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

    [Fact]
    public async Task GetAfterTheSessionsStreamDropped_OpensANewStreamAsFromTheTypeScriptSdk_ThatCarriesWhatTheGatewaySends()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.StreamableHttp);

        var direct = await GetAfterDropAsync(everything.UpstreamEndpoint!, notify: null);
        var viaGateway = await GetAfterDropAsync(everything.Gateway.McpEndpoint, notify: async () =>
        {
            await File.WriteAllTextAsync(everything.Gateway.PolicyPath, """{ "version": "1", "default": "allow", "hide": ["echo"] }""");
            Assert.True(everything.Gateway.Services.GetRequiredService<PolicyStore>().Reload());
        });

        // Before, the gateway answered 400 "This server does not support multiple GET requests…" for the rest of the
        // session: on 2025-06-18 the first stream had no event id to resume from, so the agent heard nothing unasked again.
        Assert.Equal(HttpStatusCode.OK, direct);
        Assert.Equal(direct, viaGateway);
    }

    [Fact]
    public async Task RequestsNamingAnUnsupportedProtocolVersion_Get400WithTheTypeScriptSdksCodeAndWords_AndTheSessionGoesOn()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.StreamableHttp);

        var direct = await UnsupportedVersionAsync(everything.UpstreamEndpoint!);
        var viaGateway = await UnsupportedVersionAsync(everything.Gateway.McpEndpoint);

        // Before, the gateway answered -32022 "Bad Request: The MCP-Protocol-Version header value '1999-01-01' is not
        // supported.", the 2026-07-28 revision's error, which tells a client the server is of that revision.
        const string Refused = "Bad Request: Unsupported protocol version: 1999-01-01 (supported versions: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05";
        Assert.All(direct, answer => Assert.Equal((HttpStatusCode.BadRequest, -32000), (answer.Status, answer.Code)));
        Assert.All(direct, answer => Assert.StartsWith(Refused, answer.Message, StringComparison.Ordinal));
        // server-everything lists 2024-10-07 as well, which the gateway's SDK does not speak.
        Assert.All(viaGateway, answer => Assert.Equal((HttpStatusCode.BadRequest, -32000, Refused + ")"), answer));
        Assert.Equal(3, viaGateway.Count);
    }

    /// <summary>The answers to a POST, a GET and a DELETE in a session, each naming protocol version 1999-01-01.</summary>
    private static async Task<List<(HttpStatusCode Status, int Code, string Message)>> UnsupportedVersionAsync(Uri endpoint)
    {
        await using var agent = await RawHttpAgent.ConnectAsync(endpoint, "{}");
        using var http = new HttpClient();
        var answers = new List<(HttpStatusCode, int, string)>();
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Get, HttpMethod.Delete })
        {
            using var request = new HttpRequestMessage(method, endpoint);
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.Add("Mcp-Session-Id", agent.SessionId);
            request.Headers.Add("MCP-Protocol-Version", "1999-01-01");
            if (method == HttpMethod.Post)
            {
                request.Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"ping"}""", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await http.SendAsync(request).WaitAsync(Patience);
            var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
            answers.Add((response.StatusCode, error["code"]!.GetValue<int>(), error["message"]!.GetValue<string>()));
        }

        // Refused for its header only: the session is still there (a refused DELETE ended nothing).
        var ping = agent.Call("ping", []);
        Assert.NotNull((await ping.NextAsync(m => (int?)m["id"] == ping.Id).WaitAsync(Patience))["result"]);
        return answers;
    }

    /// <summary>
    /// The status of a GET (without Last-Event-ID) once the session's first GET stream dropped, in a session on
    /// 2025-06-18, whose streams have no priming event. With <paramref name="notify"/>, that stream must then carry what
    /// the gateway tells the session.
    /// </summary>
    private static async Task<HttpStatusCode> GetAfterDropAsync(Uri endpoint, Func<Task>? notify)
    {
        await using var agent = await RawHttpAgent.ConnectAsync(endpoint, "{}", protocolVersion: "2025-06-18");
        var first = agent.Listen();
        Assert.Equal(HttpStatusCode.OK, await first.Status.WaitAsync(Patience));
        await first.DropAsync();

        // The server learns of the drop a moment after the client let go; until then the stream is still open (409).
        using var deadline = new CancellationTokenSource(Patience);
        RawHttpAgent.AnswerStream next;
        while ((await (next = agent.Listen()).Status.WaitAsync(Patience)) == HttpStatusCode.Conflict)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }

        if (notify is not null && await next.Status == HttpStatusCode.OK)
        {
            await notify();
            await next.NextAsync(m => (string?)m["method"] == "notifications/tools/list_changed").WaitAsync(Patience);
        }

        return await next.Status;
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
