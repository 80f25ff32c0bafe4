using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>Servers that only speak the older HTTP+SSE transport work as upstreams, named or detected.</summary>
public sealed class LegacySseUpstreamTests
{
    [Theory]
    [InlineData("sse")]
    [InlineData("auto")]
    public async Task SseOnlyUpstream_ServesToolsThroughTheGateway(string transport)
    {
        await using var upstream = await NodeMcpServer.EverythingAsync(legacySse: true);
        var settings = TestUpstreams.Http(upstream.Url);
        settings["Gateway:Upstreams:everything:Transport"] = transport;
        await using var gateway = await GatewayHost.StartAsync(settings);
        await using var client = await gateway.ConnectAsync();

        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "over sse" });

        Assert.Contains("over sse", SessionRelayTests.Text(echo));
    }
}
