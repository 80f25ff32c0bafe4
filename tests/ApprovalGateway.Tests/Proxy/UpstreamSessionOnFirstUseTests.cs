using System.Text.Json;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// An agent session opens its session on an upstream (for stdio, a process of its own) when a request of it first needs
/// that upstream, not when it initializes: a session that only lists tools, or uses one upstream of several, costs the
/// others nothing. Counted as an operator would: the upstream's processes on the machine.
/// </summary>
public sealed class UpstreamSessionOnFirstUseTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ListingTools_StartsNoUpstreamProcess_AndTheFirstCallStartsExactlyOne()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(marker: marker));
        var atStart = MarkedProcesses.Find(marker).Count;
        await using var client = await gateway.ConnectAsync();

        var tools = await client.ListToolsAsync();
        var afterListing = MarkedProcesses.Find(marker).Count;
        var first = await client.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());
        var afterFirstCall = MarkedProcesses.Find(marker).Count;
        var second = await client.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());
        var afterSecondCall = MarkedProcesses.Find(marker).Count;

        Assert.Equal(1, atStart);
        Assert.Contains(tools, t => t.Name == "BinanceGetAccount");
        Assert.Equal(1, afterListing);
        Assert.NotEqual(true, first.IsError);
        Assert.Equal(2, afterFirstCall);
        Assert.NotEqual(true, second.IsError);
        Assert.Equal(2, afterSecondCall);
    }

    /// <summary>
    /// server-everything offers some tools only to clients that declare sampling, roots or elicitation; the gateway's own
    /// connection declares none, so its listing cannot stand in for such an agent's.
    /// </summary>
    [Fact]
    public async Task AgentThatDeclaresSampling_IsListedTheToolsTheUpstreamOffersOnlyToSuchClients()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.Stdio);
        await using var client = await everything.ConnectAsync(new McpClientOptions
        {
            ProtocolVersion = "2025-11-25",
            Handlers = new McpClientHandlers { SamplingHandler = (_, _, _) => throw new NotSupportedException("not asked here") },
        });

        var names = (await client.ListToolsAsync()).Select(t => t.Name).ToList();

        Assert.Contains("echo", names);
        Assert.Contains("trigger-sampling-request", names);
        Assert.DoesNotContain("trigger-sampling-request", everything.Gateway.Services.GetRequiredService<ToolCatalog>().Tools.Select(t => t.Name));
    }

    [Fact]
    public async Task TwoSessionsCallingAtOnce_EachStartOneProcess_OnlyOnTheUpstreamTheyUse()
    {
        var used = Guid.NewGuid().ToString("N");
        var unused = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.EverythingStdio("used", used),
            TestUpstreams.EverythingStdio("unused", unused),
            new Dictionary<string, string?>
            {
                ["Gateway:Upstreams:used:ToolPrefix"] = "a_",
                ["Gateway:Upstreams:unused:ToolPrefix"] = "b_",
            }));
        await using var one = await gateway.ConnectAsync();
        await using var two = await gateway.ConnectAsync();

        // Two calls at once in each session: each session's first use of the upstream starts it once.
        var calls = await Task.WhenAll(
            from client in new[] { one, two }
            from message in new[] { "x", "y" }
            select client.CallToolAsync("a_echo", new Dictionary<string, object?> { ["message"] = message }).AsTask());

        Assert.All(calls, c => Assert.NotEqual(true, c.IsError));
        Assert.Equal(3, MarkedProcesses.Find(used).Count);
        Assert.Single(MarkedProcesses.Find(unused));
    }

    [Fact]
    public async Task FirstCallToAnUpstreamThatWentDown_GetsTheReason_AndWorksOnceItIsBack()
    {
        var closed = Path.Combine(Path.GetTempPath(), $"gateway-test-closed-{Guid.NewGuid():N}");
        var script = $$"""
            if (require('fs').existsSync({{JsonSerializer.Serialize(closed)}})) {
              process.stderr.write('closed for maintenance\n', () => process.exit(3));
            } else {
              const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
              const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
              const server = new McpServer({ name: 'flaky', version: '1.0.0' });
              server.registerTool('hello', {}, async () => ({ content: [{ type: 'text', text: 'hi' }] }));
              server.connect(new StdioServerTransport());
            }
            """;
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.NodeScriptStdio("flaky", script));
        await using var client = await gateway.ConnectAsync();
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var up = UpstreamFailureTests.WaitForAsync(board, client.SessionId!, connected: true);
        try
        {
            // Up for the gateway's own connection and when the agent lists its tools, down by the time the session
            // first needs it. Before, the session's own process was started with it and the call was answered.
            Assert.Contains(await client.ListToolsAsync(), t => t.Name == "hello");
            await File.WriteAllTextAsync(closed, "");
            var whileDown = await client.CallToolAsync("hello");
            File.Delete(closed);
            await up.WaitAsync(Patience);
            var onceBack = await client.CallToolAsync("hello");

            Assert.True(whileDown.IsError);
            Assert.Equal("upstream_failed", (string?)Refusals.Of(whileDown)["decision"]);
            Assert.Matches(@"^Upstream 'flaky'.*exited with code 3.*closed for maintenance.*Retrying in 1 s\.$", SessionRelayTests.Text(whileDown));
            Assert.Equal("hi", SessionRelayTests.Text(onceBack));
        }
        finally
        {
            File.Delete(closed);
        }
    }
}
