using System.Text.Json;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>An upstream that speaks only an older protocol version than the one asked, as servers on older SDKs do.</summary>
public sealed class OlderProtocolUpstreamTests
{
    /// <summary>
    /// A stdio server that answers every <c>initialize</c> with 2025-06-18, as MCP has a server answer a version it does
    /// not speak, writes each version it was asked to <c>ASKED_FILE</c>, and says in its <c>hello</c> which one it was
    /// asked last.
    /// </summary>
    private const string OlderServer = """
        const fs = require('fs');
        const send = message => process.stdout.write(JSON.stringify(message) + '\n');
        let asked = '';
        require('readline').createInterface({ input: process.stdin }).on('line', line => {
          const message = JSON.parse(line);
          if (message.id === undefined) return;
          switch (message.method) {
            case 'initialize':
              asked = message.params.protocolVersion;
              fs.appendFileSync(process.env.ASKED_FILE, asked + '\n');
              return send({ jsonrpc: '2.0', id: message.id, result: {
                protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'older', version: '1.0.0' } } });
            case 'tools/list':
              return send({ jsonrpc: '2.0', id: message.id, result: { tools: [{ name: 'hello', inputSchema: { type: 'object' } }] } });
            case 'tools/call':
              return send({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'hello in ' + asked }] } });
            default:
              return send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } });
          }
        });
        """;

    /// <summary>
    /// Before, the SDK refused the older answer ("Server protocol version mismatch") and the gateway took the upstream
    /// for down: its tools were never listed, and every call was refused.
    /// </summary>
    [Fact]
    public async Task UpstreamAnsweringAnOlderVersion_IsListedAndCalledInIt_AndLaterSessionsAskItAtOnce()
    {
        var askedFile = Path.GetTempFileName();
        try
        {
            var settings = TestUpstreams.NodeScriptStdio("older", OlderServer);
            settings["Gateway:Upstreams:older:Env:ASKED_FILE"] = askedFile;
            await using var gateway = await GatewayHost.StartAsync(settings);
            await using var first = await gateway.ConnectAsync();

            var tools = (await first.ListToolsAsync()).Select(t => t.Name).ToList();
            var firstAnswer = await first.CallToolAsync("hello");
            await using var second = await gateway.ConnectAsync();
            var secondAnswer = await second.CallToolAsync("hello");
            var asked = (await File.ReadAllLinesAsync(askedFile)).ToList();

            Assert.Equal("2025-11-25", first.NegotiatedProtocolVersion);
            Assert.Equal(["hello"], tools);
            Assert.Equal("hello in 2025-06-18", Text(firstAnswer));
            Assert.Equal("hello in 2025-06-18", Text(secondAnswer));
            // Asked the newest once (by the gateway's own connection), and the version it answered from then on.
            Assert.Equal("2025-11-25", asked[0]);
            Assert.True(asked.Count >= 3, $"The upstream was asked {JsonSerializer.Serialize(asked)}.");
            Assert.All(asked.Skip(1), version => Assert.Equal("2025-06-18", version));
        }
        finally
        {
            File.Delete(askedFile);
        }
    }

    /// <summary>Over Streamable HTTP, where the version also goes in every request's <c>MCP-Protocol-Version</c> header.</summary>
    [Fact]
    public async Task HttpUpstreamAnsweringAnOlderVersion_IsCalledInIt()
    {
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.ProtocolVersion = "2025-06-18",
            McpServerTool.Create((McpServer server) => $"hello in {server.NegotiatedProtocolVersion}", new McpServerToolCreateOptions { Name = "hello" }));
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "older"));
        await using var agent = await gateway.ConnectAsync();

        var answer = await agent.CallToolAsync("hello");

        Assert.Equal("2025-11-25", agent.NegotiatedProtocolVersion);
        Assert.Equal("hello in 2025-06-18", Text(answer));
    }

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
}
