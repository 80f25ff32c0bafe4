namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>A Streamable HTTP upstream made with the official TypeScript SDK, for <see cref="ApprovalGateway.Testing.NodeMcpServer.ScriptAsync"/>.</summary>
internal static class ForgetfulServer
{
    /// <summary>
    /// Counts the calls of echo it runs, and forgets every session when asked, as a server restarted in place does:
    /// it then answers the old session id as server-everything does, 400 "No valid session ID provided". It forgets once
    /// the caller's session has its GET stream open, so that only the next request meets the forgotten session. Its tools
    /// are there before a session begins, so it never sends tools/list_changed of its own.
    /// </summary>
    public const string Script = """
        const http = require('node:http');
        const { randomUUID } = require('node:crypto');
        const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
        const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
        const { z } = require('zod');
        const sessions = new Map();
        const getStreams = new Map();
        function getStream(id) {
          if (!getStreams.has(id)) { let opened; getStreams.set(id, { arrived: new Promise(r => opened = r), opened }); }
          return getStreams.get(id);
        }
        let echoes = 0;
        function serve() {
          const server = new McpServer({ name: 'forgetful', version: '1.0.0' });
          server.registerTool('echo', { inputSchema: { message: z.string() } },
            async ({ message }) => ({ content: [{ type: 'text', text: `${message} (echo ${++echoes})` }] }));
          server.registerTool('forget-sessions', {}, async (extra) => {
            await getStream(extra.sessionId).arrived;
            setImmediate(() => sessions.clear());
            return { content: [{ type: 'text', text: 'forgotten' }] };
          });
          return server;
        }
        http.createServer(async (req, res) => {
          const id = req.headers['mcp-session-id'];
          if (id && sessions.has(id)) {
            if (req.method === 'GET') getStream(id).opened();
            return sessions.get(id).handleRequest(req, res);
          }
          if (!id && req.method === 'POST') {
            const transport = new StreamableHTTPServerTransport({
              sessionIdGenerator: () => randomUUID(), onsessioninitialized: sid => sessions.set(sid, transport) });
            await serve().connect(transport);
            return transport.handleRequest(req, res);
          }
          res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify(
            { jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: No valid session ID provided' }, id: null }));
        }).listen(Number(process.env.PORT), '127.0.0.1');
        """;
}
