using ApprovalGateway.Audit;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;

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

    /// <summary>
    /// The older transport sends every answer on one long-lived event stream, so the cap is per event there: an echo
    /// of 100 KB against a 64 KiB cap.
    /// </summary>
    [Fact]
    public async Task AnswerOverMaxResponseBytes_OnTheEventStream_EndsTheCallSayingSo_AndTheSessionIsRenewed()
    {
        await using var upstream = await NodeMcpServer.EverythingAsync(legacySse: true);
        var settings = TestUpstreams.Http(upstream.Url);
        settings["Gateway:Upstreams:everything:Transport"] = "sse";
        settings["Gateway:Upstreams:everything:MaxResponseBytes"] = "65536";
        await using var gateway = await GatewayHost.StartAsync(settings);
        await using var client = await gateway.ConnectAsync();
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var down = UpstreamFailureTests.WaitForAsync(board, client.SessionId!, connected: false);
        var up = UpstreamFailureTests.WaitForAsync(board, client.SessionId!, connected: true, after: down);

        var fits = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = new string('a', 60_000) });
        var tooBig = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = new string('b', 100_000) });
        await down.WaitAsync(TimeSpan.FromSeconds(30));
        await up.WaitAsync(TimeSpan.FromSeconds(30));
        var afterwards = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "still here" });

        Assert.Contains(new string('a', 60_000), SessionRelayTests.Text(fits));
        const string Expected =
            "Upstream 'everything' sent a message of more than 65536 bytes while the gateway waited for its answer to tools/call, " +
            "so the gateway stopped reading it and opens a new session with it (Gateway:Upstreams:everything:MaxResponseBytes).";
        Assert.True(tooBig.IsError);
        Assert.Equal(Expected, SessionRelayTests.Text(tooBig));
        Assert.Equal(Expected, gateway.Services.GetRequiredService<IAuditLog>().Recent(20).First(r => r.Outcome == "upstream_failed").Reason);
        Assert.Contains("still here", SessionRelayTests.Text(afterwards));
    }
}
