using ApprovalGateway.Audit;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>An upstream's answer that is JSON but not a JSON-RPC message the gateway can read.</summary>
public sealed class UnreadableAnswerTests
{
    /// <summary>
    /// A stdio server whose <c>broken</c> tool answers with an error whose code is a string (MCP has an integer), and
    /// whose <c>fine</c> tool answers as it should.
    /// </summary>
    private const string BrokenServer = """
        const send = message => process.stdout.write(JSON.stringify(message) + '\n');
        require('readline').createInterface({ input: process.stdin }).on('line', line => {
          const message = JSON.parse(line);
          if (message.id === undefined) return;
          switch (message.method) {
            case 'initialize':
              return send({ jsonrpc: '2.0', id: message.id, result: {
                protocolVersion: message.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'broken', version: '1.0.0' } } });
            case 'tools/list':
              return send({ jsonrpc: '2.0', id: message.id, result: { tools: [
                { name: 'broken', inputSchema: { type: 'object' } }, { name: 'fine', inputSchema: { type: 'object' } }] } });
            case 'tools/call':
              return message.params.name === 'broken'
                ? send({ jsonrpc: '2.0', id: message.id, error: { code: 'E_BROKEN', message: 'it broke' } })
                : send({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'fine' }] } });
            default:
              return send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } });
          }
        });
        """;

    /// <summary>
    /// Before, the line was skipped (and logged), and the call waited out its RequestTimeout (five minutes by default)
    /// for an answer that had come.
    /// </summary>
    [Fact]
    public async Task StdioAnswerThatIsNotValidJsonRpc_FailsItsCallAtOnce_SayingSo_AndTheSessionGoesOn()
    {
        var settings = TestUpstreams.NodeScriptStdio("broken", BrokenServer);
        // Long enough never to be what ends the call here; short enough that a regression fails rather than hangs.
        settings["Gateway:Upstreams:broken:RequestTimeout"] = "00:01:00";
        await using var gateway = await GatewayHost.StartAsync(settings);
        await using var client = await gateway.ConnectAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("broken").AsTask());
        var fine = await client.CallToolAsync("fine");

        Assert.Equal(McpErrorCode.InternalError, error.ErrorCode);
        Assert.Contains("Upstream 'broken' answered with a message that is not valid JSON-RPC, so the gateway did not pass it on", error.Message, StringComparison.Ordinal);
        Assert.Equal("fine", Proxy.SessionRelayTests.Text(fine));
        var record = gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(10).First(r => r.Tool == "broken");
        Assert.Equal("upstream_failed", record.Outcome);
        Assert.Contains("not valid JSON-RPC", record.Reason, StringComparison.Ordinal);
    }
}
