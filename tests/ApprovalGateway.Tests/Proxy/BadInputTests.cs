using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Audit;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Metrics;
using ApprovalGateway.Upstreams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>Bad input gets a proper JSON-RPC or HTTP error, nothing reaches the upstream, and the gateway stays up.</summary>
public sealed class BadInputTests
{
    [Theory]
    [InlineData("{not json", HttpStatusCode.BadRequest)]
    [InlineData("""{"hello":"world"}""", HttpStatusCode.BadRequest)]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}]""", HttpStatusCode.BadRequest)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", HttpStatusCode.BadRequest)]
    public async Task MalformedRequests_GetJsonRpcErrors_AndTheGatewayStaysUp(string body, HttpStatusCode expected)
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        using var http = new HttpClient();

        using var response = await PostAsync(http, gateway.McpEndpoint, body);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(expected, response.StatusCode);
        Assert.NotNull(error?["error"]?["code"]);
        await AssertStillServesAsync(gateway);
    }

    [Fact]
    public async Task AgentWhoseConnectionIsResetMidMessage_IsNoErrorOfTheGateways_AndTheGatewayStaysUp()
    {
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(TestUpstreams.EverythingStdio(), new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel.Connections"] = "Debug",
            }),
            configure: builder => builder.Logging.AddProvider(log));
        var body = Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"reset","version":"1"}}}""");
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(gateway.McpEndpoint.Host, gateway.McpEndpoint.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST {gateway.McpEndpoint.AbsolutePath} HTTP/1.1\r\nHost: {gateway.McpEndpoint.Authority}\r\nContent-Type: application/json\r\n" +
            $"Accept: application/json, text/event-stream\r\nContent-Length: {body.Length}\r\nExpect: 100-continue\r\n\r\n"));

        // Kestrel says 100 Continue once the gateway starts reading the body: the reset comes in the middle of that read.
        var continued = new byte[64];
        var read = await socket.ReceiveAsync(continued);
        Assert.StartsWith("HTTP/1.1 100", Encoding.ASCII.GetString(continued, 0, read), StringComparison.Ordinal);
        var connection = log.Messages(1).Last(m => m.EndsWith("started.", StringComparison.Ordinal)).Split('"')[1];
        await socket.SendAsync(body.AsMemory(0, body.Length / 2));
        socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
        socket.Close();

        // One look at the stops so far decides both whether ours is among them and which stop to wait for next: a stop
        // logged between two looks would otherwise be counted as seen without being checked.
        for (var stops = log.Messages(2); !stops.Any(m => m.Contains($"\"{connection}\" stopped", StringComparison.Ordinal)); stops = log.Messages(2))
        {
            await log.Counted(2, stops.Count + 1).WaitAsync(TimeSpan.FromSeconds(30));
        }

        // Before, Kestrel logged an unhandled ConnectionResetException from the SDK's read, then its own failure to
        // drain the rest of the body: two errors for every agent whose connection broke while it sent a message.
        Assert.Empty(log.Lines);
        await AssertStillServesAsync(gateway);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OversizedBody_Gets413WithAJsonRpcError_AndIsAuditedAsTheAgents_WhetherItsLengthIsDeclaredOrItIsChunked(bool chunked)
    {
        var errors = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(TestUpstreams.EverythingStdio(), new Dictionary<string, string?> { ["Gateway:MaxRequestBodyBytes"] = "65536" }),
            configure: builder => builder.Logging.AddProvider(errors));
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);
        var huge = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 2,
            ["method"] = "tools/call",
            ["params"] = new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = "secret plan " + new string('x', 200_000) } },
        };
        // JsonContent cannot tell its length up front, so it goes out with Transfer-Encoding: chunked: the gateway
        // finds the body too large only while reading it.
        HttpContent content = chunked ? JsonContent.Create(huge) : new StringContent(huge.ToJsonString(), Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.McpEndpoint) { Content = content };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("Mcp-Session-Id", session);
        var declared = Encoding.UTF8.GetByteCount(huge.ToJsonString());

        using var response = await http.SendAsync(request);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(chunked, request.Content.Headers.ContentLength is null);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("Request body exceeds the gateway's limit of 65536 bytes.", error?["error"]?["message"]?.GetValue<string>());
        Assert.Equal(-32600, error?["error"]?["code"]?.GetValue<int>());
        // Before, the audit log never heard of the refusal: an admin could not see that the agent's call went nowhere.
        var record = Assert.Single(gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10));
        Assert.Equal(("anonymous", session, "", "invalid_request", "invalid_request"), (record.Agent, record.SessionId, record.Tool, record.Decision, record.Outcome));
        Assert.Equal(
            "the request could not be read, so nothing was decided or forwarded: " + (chunked
                ? "its body ran past the gateway's limit of 65536 bytes and was not read further (Gateway:MaxRequestBodyBytes)."
                : $"its body of {declared} bytes (Content-Length) is over the gateway's limit of 65536 bytes (Gateway:MaxRequestBodyBytes)."),
            record.Reason);
        Assert.Null(record.Arguments);
        await AssertStillServesAsync(gateway);
        Assert.Empty(errors.Lines);
    }

    [Fact]
    public async Task OversizedBody_IsAuditedAsTheAgentWhoseKeyItCarries_WhileACallerWithoutAKeyHearsOnly401()
    {
        const string Key = "trader-key-0123456789abcdef";
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.EverythingStdio(),
            new Dictionary<string, string?> { ["Gateway:MaxRequestBodyBytes"] = "65536", ["Gateway:Agents:trader:ApiKey"] = Key }));
        using var http = new HttpClient();
        var body = """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"padding":"<PAD>"}}""".Replace("<PAD>", new string('x', 70_000), StringComparison.Ordinal);

        using var keyed = new HttpRequestMessage(HttpMethod.Post, gateway.McpEndpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        keyed.Headers.Accept.ParseAdd("application/json, text/event-stream");
        keyed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var fromTrader = await http.SendAsync(keyed);
        using var fromNobody = await PostAsync(http, gateway.McpEndpoint, body);

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.Unauthorized), (fromTrader.StatusCode, fromNobody.StatusCode));
        // The unread rest of the body ends the connection: told so, the client sent its next request on a new one.
        Assert.True(fromTrader.Headers.ConnectionClose);
        var records = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10).Reverse().ToList();
        Assert.Equal(
            [("trader", "invalid_request"), (null, "unauthenticated")],
            records.Select(r => (r.Agent, r.Outcome)));
        Assert.Equal(
            $"the request could not be read, so nothing was decided or forwarded: its body of {Encoding.UTF8.GetByteCount(body)} bytes (Content-Length) " +
            "is over the gateway's limit of 65536 bytes (Gateway:MaxRequestBodyBytes).",
            records[0].Reason);
    }

    [Fact]
    public async Task UnknownMethodsAndBadToolArguments_GetJsonRpcErrors_InALiveSession()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        await using var client = await gateway.ConnectAsync();

        var unknownMethod = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.SendRequestAsync(new JsonRpcRequest { Method = "no/such/method" }));
        var argumentsNotObject = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.ToolsCall, Params = new JsonObject { ["name"] = "echo", ["arguments"] = "x" } }));
        var unknownTool = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.ToolsCall, Params = new JsonObject { ["name"] = "no-such-tool" } }));

        Assert.Equal(McpErrorCode.MethodNotFound, unknownMethod.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, argumentsNotObject.ErrorCode);
        Assert.Equal(McpErrorCode.InvalidParams, unknownTool.ErrorCode);
        Assert.Contains("no-such-tool", unknownTool.Message);
        Assert.Contains("ok", SessionRelayTests.Text(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "ok" })));
    }

    [Fact]
    public async Task CallToAToolNoUpstreamServes_IsAnsweredAsUnknown_AndAudited()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        await using var client = await gateway.ConnectAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync(
            "withdraw_everything", new Dictionary<string, object?> { ["apiKey"] = "sk-live-123", ["amount"] = 5 }).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        var record = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(1).Single();
        Assert.Equal(("withdraw_everything", "unknown_tool", client.SessionId), (record.Tool, record.Outcome, record.SessionId));
        Assert.Equal("""{"apiKey":"***","amount":5}""", record.Arguments?.ToJsonString());
    }

    [Theory]
    [InlineData("""{"name":123}""", "tools/call 'name' must be a string, not number.")]
    [InlineData("""{"name":{"tool":"echo"}}""", "tools/call 'name' must be a string, not object.")]
    [InlineData("""["echo",{"message":"hi"}]""", "tools/call params must be an object.")]
    [InlineData("""{"name":"echo","arguments":{"message":"hi"},"_meta":"x"}""", "tools/call params._meta must be an object.")]
    [InlineData("""{"name":"echo","arguments":{"message":"hi"},"task":false}""", "tools/call params.task must be an object.")]
    [InlineData("""{"name":"echo","name":"echo","arguments":{"message":"hi"}}""", "tools/call params are not valid JSON for the gateway: duplicate key \"name\".")]
    [InlineData("""{"name":"ec\ud800ho"}""", "tools/call params are not valid JSON for the gateway: the value of name is not valid Unicode text (bytes that are not UTF-8, or an unpaired surrogate such as \\ud800).")]
    [InlineData("""{"name":"echo","_meta":{"progressToken":"\udc00"}}""", "tools/call params are not valid JSON for the gateway: the value of _meta.progressToken is not valid Unicode text (bytes that are not UTF-8, or an unpaired surrogate such as \\ud800).")]
    public async Task WronglyTypedToolCallParams_GetInvalidParams_SayingWhich(string parameters, string message)
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        using var http = new HttpClient();
        // Raw JSON-RPC: the SDK's own client will not send a tools/call whose name is not a string.
        var session = await InitializeAsync(http, gateway.McpEndpoint);

        var error = await SendAsync(http, gateway.McpEndpoint, session, $$"""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{{parameters}}}""");
        var echoed = await SendAsync(http, gateway.McpEndpoint, session, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"ok"}}}""");

        Assert.Equal((int)McpErrorCode.InvalidParams, error["error"]?["code"]?.GetValue<int>());
        Assert.Equal(message, error["error"]?["message"]?.GetValue<string>());
        Assert.Contains("ok", echoed["result"]?["content"]?[0]?["text"]?.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"quantity":0.001,"quantity":1}""", "duplicate key \"quantity\"")]
    [InlineData("""{"order":{"legs":[{"side":"BUY","side":"SELL"}]}}""", "duplicate key \"side\" in order.legs[0]")]
    [InlineData("""{"q<FF>":1}""", "a key is not valid Unicode text (bytes that are not UTF-8, or an unpaired surrogate such as \\ud800)")]
    [InlineData("""{"\udc00":1}""", "a key is not valid Unicode text (bytes that are not UTF-8, or an unpaired surrogate such as \\ud800)")]
    [InlineData("""{"message":"\ud800"}""", "the value of message is not valid Unicode text (bytes that are not UTF-8, or an unpaired surrogate such as \\ud800)")]
    [InlineData("""{"order":{"note":"a<FF>b"}}""", "the value of order.note is not valid Unicode text (bytes that are not UTF-8, or an unpaired surrogate such as \\ud800)")]
    public async Task ToolArgumentsTheGatewayCannotRead_GetInvalidParams_AreNotForwarded_AndAreAuditedOnce(string arguments, string problem)
    {
        var upstream = $"bad-args-{Guid.NewGuid():N}"[..16];
        var errors = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.EverythingStdio(upstream), configure: builder => builder.Logging.AddProvider(errors));
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);
        // Raw bytes: no client library sends duplicate keys, bytes that are not UTF-8 or a lone surrogate escape.
        var body = RawJson($$$"""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{{{arguments}}}}}""");

        var error = await SendAsync(http, gateway.McpEndpoint, session, body);
        var echoed = await SendAsync(http, gateway.McpEndpoint, session, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"ok"}}}""");

        Assert.Equal((int)McpErrorCode.InvalidParams, error["error"]?["code"]?.GetValue<int>());
        Assert.Equal($"Arguments of tools/call are not valid JSON for the gateway: {problem}.", error["error"]?["message"]?.GetValue<string>());
        var records = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10).Reverse().ToList();
        Assert.Equal(["invalid_arguments", "forwarding", "forwarded"], records.Select(r => r.Outcome));
        Assert.Equal((upstream, "echo", session, $"arguments are not valid JSON for the gateway: {problem}"), (records[0].Upstream, records[0].Tool, records[0].SessionId, records[0].Reason));
        Assert.Null(records[0].Arguments);
        Assert.Contains("ok", echoed["result"]?["content"]?[0]?["text"]?.GetValue<string>());
        var scrape = await PrometheusScrape.GetAsync(gateway.BaseAddress);
        Assert.Equal(1, scrape.Sum("approval_gateway_tool_calls_total", ("upstream", upstream), ("tool", "echo"), ("outcome", "invalid_arguments")));
        Assert.Empty(errors.Lines);
    }

    [Fact]
    public async Task UnreadableArgumentsOfAHiddenToolAndOfAToolNoUpstreamServes_GetTheSameAnswer_AndAreAudited()
    {
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.EverythingStdio(), """{ "version": "1", "default": "allow", "hide": ["echo"] }""");
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);

        // A hidden tool is decided only once its arguments are read: a tool nobody serves must be answered the same.
        var hidden = await SendAsync(http, gateway.McpEndpoint, session, RawJson(
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"amount":1,"amount":2}}}"""));
        var unknown = await SendAsync(http, gateway.McpEndpoint, session, RawJson(
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"withdraw_everything","arguments":{"amount":1,"amount":2}}}"""));

        Assert.Equal(hidden["error"]?.ToJsonString(), unknown["error"]?.ToJsonString());
        Assert.Equal((int)McpErrorCode.InvalidParams, unknown["error"]?["code"]?.GetValue<int>());
        Assert.Equal("Arguments of tools/call are not valid JSON for the gateway: duplicate key \"amount\".", unknown["error"]?["message"]?.GetValue<string>());
        var records = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10).Reverse().ToList();
        Assert.Equal(
            [("everything", "echo", "invalid_arguments"), ("", "withdraw_everything", "invalid_arguments")],
            records.Select(r => (r.Upstream, r.Tool, r.Outcome)));
    }

    [Fact]
    public async Task RequestsTheSdkCannotRead_AreAuditedAsTheAgents_NamingTheTool_WhileOnesRefusedForTheirHeadersAreNot()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);
        var deep = string.Concat(Enumerable.Repeat("""{"a":""", 70)) + "1" + new string('}', 70);

        // The SDK answers these 400 before the gateway sees them; before, the audit log never heard of them.
        using var tooDeep = await PostAsync(http, gateway.McpEndpoint,
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"secret plan","nested":""" + deep + "}}}", session);
        using var batch = await PostAsync(http, gateway.McpEndpoint, """[{"jsonrpc":"2.0","id":3,"method":"ping"}]""", session);
        using var noSession = await PostAsync(http, gateway.McpEndpoint, """{"jsonrpc":"2.0","id":4,"method":"tools/list"}""");

        Assert.Equal(
            [HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest],
            [tooDeep.StatusCode, batch.StatusCode, noSession.StatusCode]);
        var records = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10).Reverse().ToList();
        Assert.Equal(
            [("echo", "invalid_request", "invalid_request", session), ("", "invalid_request", "invalid_request", session)],
            records.Select(r => (r.Tool, r.Decision, r.Outcome, r.SessionId)));
        Assert.Equal(
            "the request (tools/call) could not be read, so nothing was decided or forwarded: Invalid Request: the body is JSON but not a " +
            "JSON-RPC 2.0 message (The maximum configured depth of 64 has been exceeded. Cannot read next JSON object).",
            records[0].Reason);
        Assert.Equal(
            "the request could not be read, so nothing was decided or forwarded: Invalid Request: the body is a JSON array; MCP sends one " +
            "JSON-RPC message per POST, not batches.",
            records[1].Reason);
        Assert.All(records, r => Assert.Equal("anonymous", r.Agent));
        Assert.DoesNotContain(records, r => r.Arguments is not null || r.Reason!.Contains("secret plan", StringComparison.Ordinal));
        await AssertStillServesAsync(gateway);
    }

    [Theory]
    [InlineData("{not json", -32700, null, "Parse error: the body is not valid JSON (it goes wrong at byte 1 of 9). Send one JSON-RPC message per POST.")]
    [InlineData("", -32700, null, "Parse error: the body is not valid JSON (it goes wrong at byte 0 of 0). Send one JSON-RPC message per POST.")]
    [InlineData("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo"}""", -32700, null,
        "Parse error: the body is not valid JSON (it goes wrong at byte 70 of 70). Send one JSON-RPC message per POST.")]
    [InlineData("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo"},"x":nope, "pad":"<PAD>"}""", -32700, null,
        "Parse error: the body is not valid JSON (it goes wrong at byte 76). Send one JSON-RPC message per POST.")]
    // Before, the SDK's words for these named its types: "The JSON value could not be converted to
    // ModelContextProtocol.Protocol.JsonRpcMessage" (or RequestId).
    [InlineData("""{"jsonrpc":"2.0","id":9,"method":5}""", -32600, 9,
        "Invalid Request: the body is JSON but not a JSON-RPC 2.0 message (its method is 5: a method is a string).")]
    [InlineData("""{"jsonrpc":"2.0","id":13.5,"method":"tools/list"}""", -32600, null,
        "Invalid Request: the body is JSON but not a JSON-RPC 2.0 message (its id is 13.5: an id is a string or an integer).")]
    [InlineData("""{"jsonrpc":"2.0","id":9223372036854775808,"method":"tools/list"}""", -32600, null,
        "Invalid Request: the body is JSON but not a JSON-RPC 2.0 message (its id is 9223372036854775808: an id is a string or an integer).")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"method":"tools/list"}""", -32600, null,
        "Invalid Request: the body is JSON but not a JSON-RPC 2.0 message (its id is null: a request's id is a string or an integer, and a notification has no id).")]
    [InlineData("""{"jsonrpc":"2.0","id":9,"error":{"code":"x","message":"no"}}""", -32600, 9,
        "Invalid Request: the body is JSON but not a JSON-RPC 2.0 message (its error's code is \"x\": an error is an object with an integer code and a string message).")]
    [InlineData("""{"jsonrpc":"2.0","id":9,"error":{"message":"no"}}""", -32600, 9,
        "Invalid Request: the body is JSON but not a JSON-RPC 2.0 message (its error has no code: an error is an object with an integer code and a string message).")]
    [InlineData("""{"jsonrpc":1.0,"id":9,"method":"tools/list"}""", -32600, 9,
        "Invalid Request: the body is JSON but not a JSON-RPC 2.0 message (its jsonrpc is 1.0, where JSON-RPC 2.0 asks for \"2.0\").")]
    // The SDK reads a POST body as it arrives and cannot skip a member it does not know; before, its own words answered
    // that, with a null id and no audit record.
    [InlineData("""{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}},"trace":{"span":"a1"}}""", -32600, 9,
        "Invalid Request: the body is JSON but not a JSON-RPC 2.0 message (it has a member \"trace\", which JSON-RPC does not define).")]
    public async Task BodiesTheSdkCannotRead_AreAnsweredAsJsonRpcSays_ParseErrorWhenNotJson_AndAudited(string body, int code, int? id, string message)
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);

        // Past the 64 KiB the gateway keeps of a refused body: it says what it can from those.
        using var response = await PostAsync(http, gateway.McpEndpoint, body.Replace("<PAD>", new string('x', 70_000), StringComparison.Ordinal), session);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        // Before, the SDK answered each of these -32600 with a null id and its own words.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal((code, id, message), (error["error"]!["code"]!.GetValue<int>(), error["id"]?.GetValue<int>(), error["error"]!["message"]!.GetValue<string>()));
        var record = Assert.Single(gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10));
        Assert.Equal(("invalid_request", session), (record.Outcome, record.SessionId));
        Assert.EndsWith(": " + message, record.Reason, StringComparison.Ordinal);
        await AssertStillServesAsync(gateway);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("text/event-stream")]
    [InlineData("*/*")]
    [InlineData("application/*, text/*")]
    public async Task PostWhoseAcceptDoesNotListBothTypes_Gets406AsTheTypeScriptSdkAnswers_AndIsAudited(string? accept)
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);

        using var response = await PostAsync(http, gateway.McpEndpoint,
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}""", session, accept);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        // Before, a wildcard was taken for both and the call ran; the others were refused, but the audit log never heard.
        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Equal(
            (-32000, "Not Acceptable: Client must accept both application/json and text/event-stream"),
            (error["error"]!["code"]!.GetValue<int>(), error["error"]!["message"]!.GetValue<string>()));
        var record = Assert.Single(gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10));
        Assert.Equal(("echo", "invalid_request", session), (record.Tool, record.Outcome, record.SessionId));
        Assert.EndsWith(": Not Acceptable: Client must accept both application/json and text/event-stream", record.Reason, StringComparison.Ordinal);
        await AssertStillServesAsync(gateway);
    }

    [Fact]
    public async Task InitializeOnAnOpenSession_IsRefusedAsTheTypeScriptSdkRefusesIt_AndAudited_AndTheSessionGoesOn()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);

        var again = await SendAsync(http, gateway.McpEndpoint, session, """
            {"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}
            """);

        // Before, it was answered as if the session were new, with the server's capabilities, while this one went on.
        Assert.Equal(
            (7, -32600, "Invalid Request: Server already initialized"),
            (again["id"]!.GetValue<int>(), again["error"]!["code"]!.GetValue<int>(), again["error"]!["message"]!.GetValue<string>()));
        var record = Assert.Single(gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10));
        Assert.Equal(("invalid_request", session), (record.Outcome, record.SessionId));
        Assert.Equal("the request (initialize) was refused, so nothing was decided or forwarded: Invalid Request: Server already initialized", record.Reason);
        var ping = await SendAsync(http, gateway.McpEndpoint, session, """{"jsonrpc":"2.0","id":8,"method":"ping"}""");
        Assert.NotNull(ping["result"]);
    }

    /// <summary>
    /// Before, with one upstream, a request for a method MCP does not define went to it unchecked and unaudited: a server
    /// that serves a method of its own, or reads a misspelt <c>tools/call</c> as one, ran it past the policy.
    /// </summary>
    [Fact]
    public async Task RequestsForMethodsMcpDoesNotDefine_AreRefusedAndAudited_AndNeverReachTheUpstream()
    {
        string[] unknown = ["exchange/withdraw", "tools/call ", "Tools/Call"];
        var reached = new ConcurrentQueue<string>();
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Filters.Message.IncomingFilters.Add(next => async (context, cancellationToken) =>
            {
                if (context.JsonRpcMessage is JsonRpcRequest request)
                {
                    reached.Enqueue(request.Method);

                    // A server with a method of its own, lenient about the spelling of MCP's.
                    if (unknown.Contains(request.Method))
                    {
                        await context.Server.SendMessageAsync(
                            new JsonRpcResponse { Id = request.Id, Result = new JsonObject { ["withdrawn"] = true } }, cancellationToken);
                        return;
                    }
                }

                await next(context, cancellationToken);
            }),
            McpServerTool.Create(() => "withdrawn", new McpServerToolCreateOptions { Name = "withdraw" }),
            McpServerTool.Create(() => "100 USDT", new McpServerToolCreateOptions { Name = "balance" }));
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Http(upstream.Url, "exchange"),
            """{ "version": "1", "default": "allow", "tools": { "withdraw": { "action": "deny", "reason": "no withdrawals" } } }""");
        await using var client = await gateway.ConnectAsync();

        var refused = new List<McpProtocolException>();
        foreach (var method in unknown)
        {
            var withdrawal = new JsonObject { ["name"] = "withdraw", ["arguments"] = new JsonObject { ["amount"] = 5 } };
            refused.Add(await Assert.ThrowsAsync<McpProtocolException>(() =>
                client.SendRequestAsync(new JsonRpcRequest { Method = method, Params = withdrawal })));
        }

        Assert.All(refused, error => Assert.Equal(McpErrorCode.MethodNotFound, error.ErrorCode));
        Assert.Contains("""Method "tools/call " is not available: the gateway relays only the requests MCP defines.""", refused[1].Message, StringComparison.Ordinal);
        Assert.Equal("100 USDT", SessionRelayTests.Text(await client.CallToolAsync("balance")));
        Assert.Contains(RequestMethods.ToolsCall, reached);
        Assert.DoesNotContain(reached, unknown.Contains);
        var records = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10).Reverse().ToList();
        Assert.Equal(
            [
                .. unknown.Select(method => ("invalid_request", (string?)
                    $"the request (\"{method}\") was refused, so nothing was decided or forwarded: Method \"{method}\" is not available: the gateway relays only the requests MCP defines.")),
                ("forwarding", null),
                ("forwarded", null),
            ],
            records.Select(r => (r.Outcome, r.Tool == "balance" ? null : r.Reason)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/jsonx")]
    public async Task PostWhoseContentTypeIsNotJson_Gets415WithAJsonRpcError(string? contentType)
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);

        using var response = await PostAsync(http, gateway.McpEndpoint, """{"jsonrpc":"2.0","id":2,"method":"ping"}""", session, contentType: contentType);
        var text = await response.Content.ReadAsStringAsync();

        // Before, no Content-Type was a 500 and a wrong one a bare 415, neither with a JSON-RPC error to show.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(
            (-32000, "Unsupported Media Type: Content-Type must be application/json"),
            (JsonNode.Parse(text)!["error"]!["code"]!.GetValue<int>(), JsonNode.Parse(text)!["error"]!["message"]!.GetValue<string>()));
        await AssertStillServesAsync(gateway);
    }

    [Theory]
    [InlineData("*/*")]
    [InlineData("text/*")]
    public async Task GetWhoseAcceptOnlyMatchesTheStreamByWildcard_Gets406(string accept)
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.McpEndpoint) { Headers = { { "Mcp-Session-Id", session } } };
        request.Headers.TryAddWithoutValidation("Accept", accept);

        // Before, the gateway opened the session's event stream: headers are all this waits for.
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Equal(
            "Not Acceptable: Client must accept text/event-stream",
            JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeleteThatEndsNoSession_Gets400WithoutAnId_And404ForOneThatIsGone()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);

        using var noId = await DeleteAsync(http, gateway.McpEndpoint, null);
        using var unknown = await DeleteAsync(http, gateway.McpEndpoint, "no-such-session");
        using var ended = await DeleteAsync(http, gateway.McpEndpoint, session);
        using var again = await DeleteAsync(http, gateway.McpEndpoint, session);

        // Before, each was 200, as if a session had ended.
        Assert.Equal(
            [(HttpStatusCode.BadRequest, -32000), (HttpStatusCode.NotFound, -32001), (HttpStatusCode.OK, 0), (HttpStatusCode.NotFound, -32001)],
            [await CodeAsync(noId), await CodeAsync(unknown), await CodeAsync(ended), await CodeAsync(again)]);
        await AssertStillServesAsync(gateway);

        static async Task<HttpResponseMessage> DeleteAsync(HttpClient http, Uri endpoint, string? session)
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, endpoint);
            if (session is not null)
            {
                request.Headers.Add("Mcp-Session-Id", session);
            }

            return await http.SendAsync(request);
        }

        static async Task<(HttpStatusCode, int)> CodeAsync(HttpResponseMessage response)
        {
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? 0 : JsonNode.Parse(text)!["error"]!["code"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task RequestsThatNeedASessionButNameNone_GetTheTypeScriptSdksWords_NotAdviceOnConfiguringTheServer()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        using var http = new HttpClient();

        using var request = await PostAsync(http, gateway.McpEndpoint, """{"jsonrpc":"2.0","id":4,"method":"tools/list"}""");
        using var notification = await PostAsync(http, gateway.McpEndpoint, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        using var get = await AskAsync(HttpMethod.Get, protocol: null);
        using var delete = await AskAsync(HttpMethod.Delete, protocol: null);
        // A revision without sessions is the SDK's to answer: its refusal is what sends a client back to initialize.
        using var sessionlessGet = await AskAsync(HttpMethod.Get, protocol: "2026-07-28");

        // Before, the POSTs and the GET were told to set HttpServerTransportOptions.SessionMode, the gateway's own setting.
        Assert.Equal(
            [
                (HttpStatusCode.BadRequest, -32000, "4", "Bad Request: Server not initialized"),
                (HttpStatusCode.BadRequest, -32000, null, "Bad Request: Server not initialized"),
                (HttpStatusCode.BadRequest, -32000, null, "Bad Request: Mcp-Session-Id header is required"),
                (HttpStatusCode.BadRequest, -32000, null, "Bad Request: Mcp-Session-Id header is required"),
            ],
            [await AnswerAsync(request), await AnswerAsync(notification), await AnswerAsync(get), await AnswerAsync(delete)]);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, sessionlessGet.StatusCode);
        Assert.Empty(gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10));
        await AssertStillServesAsync(gateway);

        async Task<HttpResponseMessage> AskAsync(HttpMethod method, string? protocol)
        {
            using var message = new HttpRequestMessage(method, gateway.McpEndpoint);
            message.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
            if (protocol is not null)
            {
                message.Headers.Add("MCP-Protocol-Version", protocol);
            }

            return await http.SendAsync(message);
        }

        static async Task<(HttpStatusCode, int, string?, string)> AnswerAsync(HttpResponseMessage response)
        {
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            return (response.StatusCode, answer["error"]!["code"]!.GetValue<int>(), answer["id"]?.ToJsonString(), answer["error"]!["message"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData("resources/read", """{"uri":5}""", "expected string, received number")]
    [InlineData("prompts/get", """{"name":["x"]}""", "expected string, received array")]
    [InlineData("completion/complete", """{"ref":"x","argument":{"name":"a","value":"b"}}""", "expected object, received string")]
    public async Task WronglyTypedRoutingFields_ReachTheUpstream_WhichSaysWhatIsWrong_AndTheGatewayDoesNotWarnOfIt(string method, string parameters, string complaint)
    {
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio(), configure: builder => builder.Logging.AddProvider(log));
        using var http = new HttpClient();
        var session = await InitializeAsync(http, gateway.McpEndpoint);

        // The gateway cannot tell which upstream owns such a request; the upstream's own validation answers it,
        // instead of the gateway failing with a bare "An error occurred."
        var error = await SendAsync(http, gateway.McpEndpoint, session, $$"""{"jsonrpc":"2.0","id":2,"method":"{{method}}","params":{{parameters}}}""");

        Assert.Contains(complaint, error["error"]?["message"]?.GetValue<string>());

        // The agent's mistake is the agent's to hear; before, the SDK's client also logged each such answer at Warning
        // ("ev request failed for method ..."), so an agent repeating one filled the operator's log.
        Assert.DoesNotContain(log.Warnings, w => w.StartsWith("ModelContextProtocol", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpstreamListingAToolTheGatewayCannotRead_KeepsItsOtherToolsUsable()
    {
        var echo = McpServerTool.Create((string message) => $"echo: {message}", new McpServerToolCreateOptions { Name = "echo" });
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Filters.Message.OutgoingFilters.Add(next => (context, cancellationToken) =>
            {
                // What a buggy server might list next to its good tools: no name, a number for a name, a schema that is a string.
                if (context.JsonRpcMessage is JsonRpcResponse { Result: JsonObject result } && result["tools"] is JsonArray tools)
                {
                    tools.Add(new JsonObject { ["description"] = "no name", ["inputSchema"] = new JsonObject { ["type"] = "object" } });
                    tools.Add(new JsonObject { ["name"] = 42, ["inputSchema"] = new JsonObject { ["type"] = "object" } });
                    tools.Add(new JsonObject { ["name"] = "bad_schema", ["inputSchema"] = "object" });
                }

                return next(context, cancellationToken);
            }),
            echo);
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "buggy"));
        await using var client = await gateway.ConnectAsync();

        var listed = await client.ListToolsAsync();

        Assert.Equal(["echo"], listed.Select(t => t.Name));
        Assert.Equal("echo: still here", SessionRelayTests.Text(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "still here" })));
        Assert.Equal(["echo"], gateway.Services.GetRequiredService<IToolCatalog>().Tools.Select(t => t.Name));
    }

    private static Task<HttpResponseMessage> PostAsync(
        HttpClient http, Uri endpoint, string body, string? session = null, string? accept = BothTypes, string? contentType = "application/json") =>
        PostAsync(http, endpoint, Encoding.UTF8.GetBytes(body), session, accept, contentType);

    private const string BothTypes = "application/json, text/event-stream";

    private static Task<HttpResponseMessage> PostAsync(
        HttpClient http, Uri endpoint, byte[] body, string? session = null, string? accept = BothTypes, string? contentType = "application/json")
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return http.SendAsync(request);
    }

    [Theory]
    [InlineData("\"hi\"", "a string")]
    [InlineData("[1, 2]", "an array")]
    [InlineData("true", "a boolean")]
    public async Task CallWithArgumentsThatAreNotAnObject_IsRefused_AndAuditedAsInvalidArguments(string arguments, string given)
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        await using var agent = await RawHttpAgent.ConnectAsync(gateway.McpEndpoint, "{}");

        var call = agent.Call("tools/call", new JsonObject { ["name"] = "echo", ["arguments"] = JsonNode.Parse(arguments) });
        var error = (await call.NextAsync(m => (int?)m["id"] == call.Id).WaitAsync(TimeSpan.FromSeconds(30)))["error"];

        Assert.Equal((-32602, "tools/call 'arguments' must be an object."), ((int)error!["code"]!, (string)error["message"]!));
        // Before, the call was refused without a record: the audit log did not show the agent calling echo at all.
        var record = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(1).Single();
        Assert.Equal(("echo", "everything", "invalid_arguments", $"arguments are {given}, not an object"), (record.Tool, record.Upstream, record.Outcome, record.Reason));
    }

    [Theory]
    [InlineData("\"text\"")]
    [InlineData("[1, 2]")]
    public async Task UpstreamAnsweringACallWithANonObject_GivesTheAgentAnErrorSayingSo(string answer)
    {
        var echo = McpServerTool.Create((string message) => message, new McpServerToolCreateOptions { Name = "echo" });
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Filters.Message.OutgoingFilters.Add(next => (context, cancellationToken) =>
            {
                if (context.JsonRpcMessage is JsonRpcResponse { Result: JsonObject result } response && result["content"] is not null)
                {
                    response.Result = JsonNode.Parse(answer);
                }

                return next(context, cancellationToken);
            }),
            echo);
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "buggy"));
        await using var client = await gateway.ConnectAsync();

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hi" });

        Assert.True(result.IsError);
        const string Expected = "Upstream 'buggy' answered the call with a result that is not a JSON object, so the gateway did not pass it on.";
        Assert.Equal(Expected, SessionRelayTests.Text(result));
        var record = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(1).Single();
        Assert.Equal(("upstream_failed", Expected), (record.Outcome, record.Reason));
    }

    [Fact]
    public async Task UpstreamAnswerLargerThanMaxResponseBytes_IsCutOff_AndTheSessionGoesOn()
    {
        var big = McpServerTool.Create((int megabytes) => new string('x', megabytes * 1024 * 1024), new McpServerToolCreateOptions { Name = "big" });
        await using var upstream = await DynamicToolsUpstream.StartAsync(big);
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.Http(upstream.Url, "huge"),
            new Dictionary<string, string?> { ["Gateway:Upstreams:huge:MaxResponseBytes"] = "1048576" }));
        await using var client = await gateway.ConnectAsync();

        var tooBig = await client.CallToolAsync("big", new Dictionary<string, object?> { ["megabytes"] = 2 });
        var fits = await client.CallToolAsync("big", new Dictionary<string, object?> { ["megabytes"] = 0 });

        Assert.True(tooBig.IsError);
        Assert.Equal(
            "Upstream 'huge' answered tools/call with more than 1048576 bytes, so the gateway stopped reading it (Gateway:Upstreams:huge:MaxResponseBytes).",
            SessionRelayTests.Text(tooBig));
        Assert.NotEqual(true, fits.IsError);
        Assert.Equal("upstream_failed", gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10).First(r => r.Outcome != "forwarding" && r.Outcome != "forwarded").Outcome);
    }

    /// <summary>
    /// server-everything keeps its events for resumption: when the gateway cuts an answer's POST stream, the SDK's
    /// client asks for the rest on a GET stream, which must be capped as well or the answer arrives whole after all.
    /// </summary>
    [Fact]
    public async Task AnswerOverMaxResponseBytes_FromAStreamableHttpServerThatResumes_IsStillCutOff()
    {
        await using var upstream = await NodeMcpServer.EverythingAsync();
        var settings = TestUpstreams.Http(upstream.Url);
        settings["Gateway:Upstreams:everything:MaxResponseBytes"] = "65536";
        await using var gateway = await GatewayHost.StartAsync(settings);
        await using var client = await gateway.ConnectAsync();

        var tooBig = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = new string('b', 100_000) });
        var afterwards = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "still here" });

        Assert.True(tooBig.IsError);
        Assert.Equal(
            "Upstream 'everything' answered tools/call with more than 65536 bytes, so the gateway stopped reading it (Gateway:Upstreams:everything:MaxResponseBytes).",
            SessionRelayTests.Text(tooBig));
        Assert.Contains("still here", SessionRelayTests.Text(afterwards));
    }

    /// <summary>Opens a session by hand; returns its <c>Mcp-Session-Id</c>.</summary>
    private static async Task<string> InitializeAsync(HttpClient http, Uri endpoint)
    {
        using var initialize = await PostAsync(http, endpoint, """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}
            """);
        initialize.EnsureSuccessStatusCode();
        var session = initialize.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await PostAsync(http, endpoint, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session);
        initialized.EnsureSuccessStatusCode();
        return session;
    }

    /// <summary>UTF-8 of <paramref name="json"/>, with each <c>&lt;FF&gt;</c> as the byte 0xFF, which UTF-8 never uses.</summary>
    private static byte[] RawJson(string json) =>
        [.. json.Split("<FF>").SelectMany((part, i) => i == 0 ? Encoding.UTF8.GetBytes(part) : [0xFF, .. Encoding.UTF8.GetBytes(part)])];

    private static Task<JsonNode> SendAsync(HttpClient http, Uri endpoint, string session, string body) =>
        SendAsync(http, endpoint, session, Encoding.UTF8.GetBytes(body));

    /// <summary>Sends one request in <paramref name="session"/> and returns its response, read from the SSE stream or the JSON body.</summary>
    private static async Task<JsonNode> SendAsync(HttpClient http, Uri endpoint, string session, byte[] body)
    {
        using var response = await PostAsync(http, endpoint, body, session);
        var text = await response.Content.ReadAsStringAsync();
        var data = text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..]).LastOrDefault() ?? text;
        return JsonNode.Parse(data)!;
    }

    private static async Task AssertStillServesAsync(GatewayHost gateway)
    {
        await using var client = await gateway.ConnectAsync();
        Assert.NotEmpty(await client.ListToolsAsync());
    }
}
