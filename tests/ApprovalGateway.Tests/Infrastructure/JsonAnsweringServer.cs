namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>A Streamable HTTP upstream made with the official TypeScript SDK, for <see cref="ApprovalGateway.Testing.NodeMcpServer.ScriptAsync"/>.</summary>
internal static class JsonAnsweringServer
{
    /// <summary>
    /// Stateless, and answers every request with one JSON body rather than an event stream (the SDK's
    /// <c>enableJsonResponse</c>, as many deployed servers do): an answer begins only once it is complete. Its tool
    /// <c>slow</c> answers after the given number of seconds.
    /// </summary>
    public const string Script = """
        const http = require('node:http');
        const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
        const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
        const { z } = require('zod');
        http.createServer(async (req, res) => {
          const server = new McpServer({ name: 'json-answering', version: '1.0.0' });
          server.registerTool('slow', { inputSchema: { seconds: z.number() } }, async ({ seconds }) => {
            await new Promise(done => setTimeout(done, seconds * 1000));
            return { content: [{ type: 'text', text: `done after ${seconds} s` }] };
          });
          const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
          res.on('close', () => { transport.close(); server.close(); });
          await server.connect(transport);
          transport.handleRequest(req, res);
        }).listen(Number(process.env.PORT), '127.0.0.1');
        """;
}
