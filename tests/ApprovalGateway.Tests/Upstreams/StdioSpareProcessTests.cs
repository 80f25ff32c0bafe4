using ApprovalGateway.Hosting;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>A new agent session takes a stdio process already past its start-up, rather than waiting for one to start.</summary>
public sealed class StdioSpareProcessTests
{
    private const int SpareStarted = 1021;

    [Fact]
    public async Task AgentSession_TakesTheSpareStartedBeforeIt_AndTheNextSpareIsStarted()
    {
        var marker = Guid.NewGuid().ToString("N");
        var log = new ErrorLog();
        var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(
                TestUpstreams.DemoStdio("demo", marker),
                new Dictionary<string, string?>
                {
                    ["Gateway:Upstreams:demo:SpareProcess"] = "true",
                    ["Logging:LogLevel:ApprovalGateway.Upstreams"] = "Debug",
                }),
            configure: builder => builder.Logging.AddProvider(log));
        int spare;
        await using (gateway)
        {
            // The gateway's own connection started the first process, and a spare after it.
            await log.Counted(SpareStarted, 1).WaitAsync(TimeSpan.FromSeconds(30));
            var before = MarkedProcesses.Find(marker);
            await using (var agent = await gateway.ConnectAsync())
            {
                var result = await agent.CallToolAsync("BinanceTickerPrice", new Dictionary<string, object?> { ["symbol"] = "BTCUSDT" });
                Assert.NotEqual(true, result.IsError);
                Assert.Contains("65000", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);

                await log.Counted(SpareStarted, 2).WaitAsync(TimeSpan.FromSeconds(30));
                var after = MarkedProcesses.Find(marker);

                // Without a spare the agent's session would have started a process of its own, beside the two.
                Assert.Equal(2, before.Count);
                Assert.Equal(3, after.Count);
                Assert.Subset(after.ToHashSet(), before.ToHashSet());
                spare = Assert.Single(after.Except(before));
            }
        }

        // The spare no session took goes with the gateway.
        Assert.DoesNotContain(spare, MarkedProcesses.Find(marker));
    }

    [Fact]
    public void SpareProcessOnAnHttpUpstream_IsRefused_NamingTheSetting()
    {
        var options = new GatewayOptions();
        options.Upstreams["search"] = new UpstreamOptions { Url = new Uri("http://127.0.0.1:9/mcp"), SpareProcess = true };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Upstreams:search:SpareProcess applies to stdio upstreams", result.FailureMessage, StringComparison.Ordinal);
    }
}
