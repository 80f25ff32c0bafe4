using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Audit;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>The agent's <c>initialize</c>: negotiated as the upstream would, and, when refused, leaving nothing behind.</summary>
public sealed class InitializeTests
{
    private const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";

    [Fact]
    public async Task Initialize_WithAVersionNobodySpeaks_IsAnsweredWithTheNewestOne_AsTheUpstreamDoes_AndTheSessionWorks()
    {
        await using var upstream = await NodeMcpServer.EverythingAsync();
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url));
        using var http = new HttpClient();
        var initialize = Initialize("""{ "protocolVersion": "2099-01-01", "capabilities": {}, "clientInfo": { "name": "raw", "version": "1" } }""");

        var (direct, _, _) = await PostAsync(http, upstream.Url, initialize);
        var (viaGateway, session, _) = await PostAsync(http, gateway.McpEndpoint, initialize);
        await PostAsync(http, gateway.McpEndpoint, Initialized, session);
        var (tools, _, _) = await PostAsync(http, gateway.McpEndpoint, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", session);

        Assert.Equal("2025-11-25", direct?["result"]?["protocolVersion"]?.GetValue<string>());
        Assert.Equal("2025-11-25", viaGateway?["result"]?["protocolVersion"]?.GetValue<string>());
        Assert.NotEmpty(tools!["result"]!["tools"]!.AsArray());
    }

    [Fact]
    public async Task RefusedInitialize_OverStdio_OpensNothingUpstream_AndTheAgentCanInitializeAgain()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var gateway = StdioGatewayProcess.Launch(GatewayHost.AllowAll, $"--Gateway:Upstreams:everything:Env:GATEWAY_TEST_MARKER={marker}");

        var refused = await AskAsync(gateway, 101, Initialize("""{ "protocolVersion": "2025-11-25", "capabilities": 42, "clientInfo": { "name": "raw", "version": "1" } }"""));
        var upstreamProcesses = MarkedProcesses.Find(marker).Count;
        var accepted = await AskAsync(gateway, 102, Initialize("""{ "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "raw", "version": "1" } }"""));
        await gateway.SendAsync(Initialized);
        var tools = await AskAsync(gateway, 103, """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");

        Assert.Equal(-32602, refused["error"]?["code"]?.GetValue<int>());
        Assert.StartsWith("Invalid params: params.capabilities must be an object ({} for none).", refused["error"]?["message"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, upstreamProcesses);
        Assert.Equal("2025-11-25", accepted["result"]?["protocolVersion"]?.GetValue<string>());
        Assert.NotEmpty(tools["result"]!["tools"]!.AsArray());
    }

    /// <summary>
    /// The 2026-07-28 revision drops <c>initialize</c>, and clients of it (the C# SDK's by default) probe with
    /// <c>server/discover</c>, falling back to <c>initialize</c> when the server names only versions that have it. The
    /// gateway's sessions need the handshake. Before, over stdio the SDK answered the probe itself, the client went on
    /// without <c>initialize</c>, and every request was refused as coming from an uninitialized session.
    /// </summary>
    [Fact]
    public async Task ServerDiscover_OverStdio_NamesTheVersionsTheGatewaySpeaks_SoClientsOfTheNewestRevisionInitialize()
    {
        using var gateway = StdioGatewayProcess.Launch(GatewayHost.AllowAll);

        var answer = await AskAsync(gateway, 101, """
            {"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{
              "io.modelcontextprotocol/protocolVersion":"2026-07-28",
              "io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},
              "io.modelcontextprotocol/clientCapabilities":{}}}}
            """.ReplaceLineEndings(""));

        Assert.Equal(-32022, answer["error"]?["code"]?.GetValue<int>());
        var supported = answer["error"]?["data"]?["supported"]?.AsArray().Select(v => v!.GetValue<string>()).ToList();
        Assert.NotNull(supported);
        Assert.Contains("2025-11-25", supported);
        Assert.DoesNotContain("2026-07-28", supported);
    }

    [Fact]
    public async Task ClientOfTheNewestRevision_WithItsDefaultOptions_ConnectsAndCalls_OverHttp()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());

        await using var client = await gateway.ConnectAsync(new McpClientOptions());
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "newest client" });

        Assert.Equal("2025-11-25", client.NegotiatedProtocolVersion);
        Assert.Contains("newest client", SessionRelayTests.Text(echo));
    }

    [Fact]
    public async Task InitializeTheSdkCannotRead_TakesNoPlaceUnderTheSessionLimit()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.EverythingStdio(), new Dictionary<string, string?> { ["Gateway:MaxSessionsPerAgent"] = "1" }));
        using var http = new HttpClient();

        var (unreadable, _, _) = await PostAsync(
            http, gateway.McpEndpoint, Initialize("""{ "protocolVersion": "2025-11-25", "capabilities": 42, "clientInfo": { "name": "raw", "version": "1" } }"""));
        await using var client = await gateway.ConnectAsync();

        Assert.Null(unreadable?["result"]);
        Assert.NotEmpty(await client.ListToolsAsync());
    }

    /// <summary>
    /// Before, the SDK threw reading such params: the agent got an empty 500, the audit log had nothing, and the session
    /// the SDK had made for the request stayed open, unknown to anyone, until it idled out.
    /// </summary>
    [Fact]
    public async Task InitializeWithoutClientVersion_OverHttp_IsRefusedAsInvalidParams_Audited_AndTheSessionMadeForItEnds()
    {
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(TestUpstreams.EverythingStdio(), new Dictionary<string, string?> { ["Logging:LogLevel:ApprovalGateway.Proxy"] = "Information" }),
            configure: builder => builder.Logging.AddProvider(log));
        using var http = new HttpClient();
        var closed = log.Logged(1105);

        var (refused, session, status) = await PostAsync(
            http, gateway.McpEndpoint, Initialize("""{ "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "raw" } }"""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Null(session);
        Assert.Equal(1, refused?["id"]?.GetValue<int>());
        Assert.Equal(-32602, refused?["error"]?["code"]?.GetValue<int>());
        Assert.StartsWith("Invalid params: params.clientInfo.version must be a string.", refused?["error"]?["message"]?.GetValue<string>(), StringComparison.Ordinal);
        var record = Assert.Single(gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10));
        Assert.Equal(("anonymous", "invalid_request"), (record.Agent, record.Outcome));
        Assert.StartsWith(
            "the request (initialize) could not be read, so nothing was decided or forwarded: Invalid params: params.clientInfo.version",
            record.Reason,
            StringComparison.Ordinal);
        Assert.Contains("of agent 'anonymous' closed", await closed.WaitAsync(TimeSpan.FromSeconds(20)), StringComparison.Ordinal);
        await using var client = await gateway.ConnectAsync();
        Assert.NotEmpty(await client.ListToolsAsync());
    }

    /// <summary>Sends <paramref name="request"/> under the id <paramref name="id"/> and gives the answer to it.</summary>
    private static async Task<JsonNode> AskAsync(StdioGatewayProcess gateway, int id, string request)
    {
        var message = JsonNode.Parse(request)!;
        message["id"] = id;
        await gateway.SendAsync(message.ToJsonString());
        return await gateway.ReadAnswerAsync(id);
    }

    private static string Initialize(string parameters) => $$"""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{parameters}}}""";

    /// <summary>Posts one message; gives the JSON-RPC message that answers it (none for a notification), the session id and the status.</summary>
    private static async Task<(JsonNode? Answer, string? Session, HttpStatusCode Status)> PostAsync(HttpClient http, Uri endpoint, string body, string? session = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var data = text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..]).LastOrDefault() ?? text;
        return (
            string.IsNullOrWhiteSpace(data) ? null : JsonNode.Parse(data),
            response.Headers.TryGetValues("Mcp-Session-Id", out var ids) ? ids.Single() : session,
            response.StatusCode);
    }
}
