using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// With an allow-everything policy an agent must not be able to tell the gateway from the upstream:
/// the same requests, sent directly and through the gateway, give the same JSON.
/// </summary>
public sealed class TransparencyTests
{
    [Fact]
    public async Task ToolsListAndCalls_MatchTheUpstream_WhenRelayedOverStdio()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        await using var viaGateway = await gateway.ConnectAsync();
        await using var direct = await ConnectDirectAsync();

        await AssertSameAsync(direct, viaGateway, RequestMethods.ToolsList, null);
        await AssertSameAsync(direct, viaGateway, RequestMethods.ToolsCall, new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = "hi" } });
    }

    private static Task<McpClient> ConnectDirectAsync() =>
        McpClient.CreateAsync(
            new StdioClientTransport(new StdioClientTransportOptions { Command = "node", Arguments = [RepoPaths.ServerEverything, "stdio"] }),
            new McpClientOptions { ProtocolVersion = "2025-11-25" });

    private static async Task AssertSameAsync(McpClient direct, McpClient viaGateway, string method, JsonNode? parameters)
    {
        var expected = await direct.SendRequestAsync(new JsonRpcRequest { Method = method, Params = parameters?.DeepClone() });
        var actual = await viaGateway.SendRequestAsync(new JsonRpcRequest { Method = method, Params = parameters?.DeepClone() });
        Assert.Equal(expected.Result?.ToJsonString(), actual.Result?.ToJsonString());
    }
}
