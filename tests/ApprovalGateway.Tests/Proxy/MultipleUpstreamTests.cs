using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>Several upstreams behind one gateway: names never silently shadow each other.</summary>
public sealed class MultipleUpstreamTests
{
    [Fact]
    public async Task Startup_Refuses_WhenTwoUpstreamsServeTheSameToolName()
    {
        var settings = TestUpstreams.Merge(TestUpstreams.EverythingStdio("first"), TestUpstreams.EverythingStdio("second"));

        var error = await Assert.ThrowsAsync<ToolNameClashException>(() => GatewayHost.StartAsync(settings));

        Assert.Contains("'echo' (first, second)", error.Message);
        Assert.Contains("ToolPrefix", error.Message);
    }

    [Fact]
    public async Task Prefixes_MakeNamesUnique_AndRouteEachCallToItsUpstream()
    {
        var settings = TestUpstreams.Merge(
            TestUpstreams.EverythingStdio("first"),
            TestUpstreams.EverythingStdio("second"),
            TestUpstreams.DemoStdio(),
            new Dictionary<string, string?>
            {
                ["Gateway:Upstreams:first:ToolPrefix"] = "a_",
                ["Gateway:Upstreams:second:ToolPrefix"] = "b_",
            });
        await using var gateway = await GatewayHost.StartAsync(settings);
        await using var client = await gateway.ConnectAsync();

        var names = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        var viaFirst = await client.CallToolAsync("a_echo", new Dictionary<string, object?> { ["message"] = "one" });
        var viaSecond = await client.CallToolAsync("b_get-sum", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 });
        var viaDemo = await client.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());

        Assert.Contains("a_echo", names);
        Assert.Contains("b_echo", names);
        Assert.Contains("BinanceSpotCancelOpenTWAPOrder", names);
        Assert.DoesNotContain("echo", names);
        Assert.Contains("one", SessionRelayTests.Text(viaFirst));
        Assert.Contains("3", SessionRelayTests.Text(viaSecond));
        Assert.Contains("USDT", SessionRelayTests.Text(viaDemo));
    }
}
