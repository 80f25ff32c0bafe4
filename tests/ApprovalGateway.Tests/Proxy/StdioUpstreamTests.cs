using ApprovalGateway.Audit;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;
using ModelContextProtocol;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// A stdio upstream cannot fill the gateway's memory, and when it dies its own last words say why. The upstreams here
/// are made with the official TypeScript SDK.
/// </summary>
public sealed class StdioUpstreamTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>A tool that answers with as many kilobytes of text as asked.</summary>
    private const string BulkyServer = """
        const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
        const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
        const { z } = require('zod');
        const server = new McpServer({ name: 'bulky', version: '1.0.0' });
        server.registerTool('bulk', { inputSchema: { kilobytes: z.number() } },
          async ({ kilobytes }) => ({ content: [{ type: 'text', text: 'x'.repeat(kilobytes * 1024) }] }));
        server.connect(new StdioServerTransport());
        """;

    [Fact]
    public async Task AnswerLargerThanMaxResponseBytes_EndsTheCallSayingSo_AndTheUpstreamIsRestarted()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.NodeScriptStdio("bulky", BulkyServer),
            new Dictionary<string, string?> { ["Gateway:Upstreams:bulky:MaxResponseBytes"] = "1048576" }));
        await using var client = await gateway.ConnectAsync();
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var down = UpstreamFailureTests.WaitForAsync(board, client.SessionId!, connected: false);
        var up = UpstreamFailureTests.WaitForAsync(board, client.SessionId!, connected: true, after: down);

        var fits = await client.CallToolAsync("bulk", new Dictionary<string, object?> { ["kilobytes"] = 1000 });
        var tooBig = await client.CallToolAsync("bulk", new Dictionary<string, object?> { ["kilobytes"] = 4096 });
        var reason = await down.WaitAsync(Patience);
        await up.WaitAsync(Patience);
        var afterRestart = await client.CallToolAsync("bulk", new Dictionary<string, object?> { ["kilobytes"] = 1 });

        Assert.NotEqual(true, fits.IsError);
        Assert.Equal(1000 * 1024, SessionRelayTests.Text(fits).Length);
        const string Expected =
            "Upstream 'bulky' sent a message of more than 1048576 bytes while the gateway waited for its answer to tools/call, " +
            "so the gateway stopped reading it and opens a new session with it (Gateway:Upstreams:bulky:MaxResponseBytes).";
        Assert.True(tooBig.IsError);
        Assert.Equal(Expected, SessionRelayTests.Text(tooBig));
        var record = gateway.Services.GetRequiredService<IAuditLog>().Recent(20).First(r => r.Outcome == "upstream_failed");
        Assert.Equal(Expected, record.Reason);
        Assert.Contains("sent a message of more than 1048576 bytes", reason.Detail);
        Assert.Equal(1024, SessionRelayTests.Text(afterRestart).Length);
    }

    [Fact]
    public async Task UpstreamThatPrintsABannerToStdout_StillServes()
    {
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.NodeScriptStdio("bulky", "console.log('bulky 1.0 ready on stdio');\n" + BulkyServer));
        await using var client = await gateway.ConnectAsync();

        var result = await client.CallToolAsync("bulk", new Dictionary<string, object?> { ["kilobytes"] = 2 });

        Assert.Equal(2048, SessionRelayTests.Text(result).Length);
    }

    [Fact]
    public async Task UpstreamThatDiesAtStart_IsReportedWithItsLastStderrLine_EvenAfterAnOverlongOne()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.NodeScriptStdio("broken", """
            process.stderr.write('z'.repeat(100000) + '\nBROKER_API_KEY is not set\n', () => process.exit(3));
            """));
        await using var client = await gateway.ConnectAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.ListToolsAsync().AsTask().WaitAsync(Patience));

        Assert.Contains("exited with code 3", error.Message);
        Assert.Contains("BROKER_API_KEY is not set", error.Message);
        Assert.DoesNotContain("zzz", error.Message);
    }
}
