using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Proxy;
using ApprovalGateway.Tests.ScaleOut;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>
/// The gateway's own <c>RequestTimeout</c> (default 5 minutes) bounds how long an HTTP upstream's answer may take,
/// however the upstream sends it.
/// </summary>
/// <remarks>
/// Almost all of the test is waiting, so it runs beside the others (<see cref="WaitingAloneCollection"/>): its gateway
/// is a process of its own, sharing none of the in-process statics (Hangfire's) that keep the other tests in turn.
/// </remarks>
[Collection(WaitingAloneCollection.Name)]
public sealed class SlowHttpAnswerTests
{
    [Fact]
    public async Task ToolAnsweredAsJson_AfterMoreThan100Seconds_ReachesTheAgent_WithinTheDefaultRequestTimeout()
    {
        await using var upstream = await NodeMcpServer.ScriptAsync(JsonAnsweringServer.Script);
        await using var gateway = await GatewayProcess.StartAsync(TestUpstreams.Http(upstream.Url, "json"), GatewayHost.AllowAll);
        await using var client = await gateway.ConnectAsync();

        // A JSON answer begins only once the tool is done. Before, HttpClient's default timeout of 100 s ended the call
        // first: "Upstream 'json' failed during the call: The request was canceled due to the configured
        // HttpClient.Timeout of 100 seconds elapsing."
        var result = await client.CallToolAsync("slow", new Dictionary<string, object?> { ["seconds"] = 101 })
            .AsTask().WaitAsync(TimeSpan.FromMinutes(3));

        Assert.Equal("done after 101 s", SessionRelayTests.Text(result));
        Assert.NotEqual(true, result.IsError);
    }
}
