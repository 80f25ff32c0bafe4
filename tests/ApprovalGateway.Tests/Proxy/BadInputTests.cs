using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

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
    public async Task OversizedBody_Gets413WithAJsonRpcError_BeforeAnythingIsRead()
    {
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(TestUpstreams.EverythingStdio(), new Dictionary<string, string?> { ["Gateway:MaxRequestBodyBytes"] = "65536" }));
        using var http = new HttpClient();
        var huge = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = "initialize",
            ["params"] = new JsonObject { ["padding"] = new string('x', 200_000) },
        }.ToJsonString();

        using var response = await PostAsync(http, gateway.McpEndpoint, huge);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("65536", error?["error"]?["message"]?.GetValue<string>());
        await AssertStillServesAsync(gateway);
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

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, Uri endpoint, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return http.SendAsync(request);
    }

    private static async Task AssertStillServesAsync(GatewayHost gateway)
    {
        await using var client = await gateway.ConnectAsync();
        Assert.NotEmpty(await client.ListToolsAsync());
    }
}
