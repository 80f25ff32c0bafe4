using System.Net;
using ApprovalGateway.Hosting;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Proxy;
using ApprovalGateway.Upstreams;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>
/// The gateway pings each upstream on its own connection, so an upstream that dies or hangs while no agent calls it
/// shows as down in /healthz and /api/upstreams, and as up again once it is back, without waiting for a call to fail.
/// </summary>
public sealed class UpstreamProbeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Dictionary<string, string?> Probing(string name = "everything", string pingTimeout = "00:00:01") => new()
    {
        [$"Gateway:Upstreams:{name}:PingInterval"] = "00:00:00.200",
        [$"Gateway:Upstreams:{name}:PingTimeout"] = pingTimeout,
        [$"Gateway:Upstreams:{name}:ConnectTimeout"] = "00:00:02",
    };

    [Fact]
    public async Task IdleHttpUpstreamThatIsKilled_TurnsHealthzDegraded_WithoutAnyCall_AndOkAgainOnceRestarted()
    {
        var everything = await NodeMcpServer.EverythingAsync();
        var port = everything.Port;
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(TestUpstreams.Http(everything.Url), Probing()));
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var down = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: false);
        var up = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: true, after: down);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var before = await http.GetAsync("/healthz");

        await everything.DisposeAsync();
        var reason = await down.WaitAsync(Patience);
        using var whileDown = await http.GetAsync("/healthz");
        var upstreams = await http.GetStringAsync("/api/upstreams");
        await using var restarted = await NodeMcpServer.EverythingOnAsync(port);
        await up.WaitAsync(Patience);
        using var after = await http.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileDown.StatusCode);
        Assert.StartsWith("Upstream 'everything' is down (", reason.Detail, StringComparison.Ordinal);
        Assert.Contains("\"connected\":false", upstreams, StringComparison.Ordinal);
        Assert.Contains("\"since\":", upstreams, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task IdleHttpUpstreamWithoutAnEventStream_ThatIsKilled_TurnsHealthzDegraded_WithoutAnyCall()
    {
        var upstream = await NodeMcpServer.ScriptAsync(StreamlessServer);
        // A dead server fails a ping at once, so only a slow answer on a busy machine would ever meet a long timeout.
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(TestUpstreams.Http(upstream.Url), Probing(pingTimeout: "00:01:00")));
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var down = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: false);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        // Before, nothing noticed: no stream was open to drop, and /healthz said ok until an agent's call failed.
        await upstream.DisposeAsync();
        var reason = await down.WaitAsync(Patience);
        using var whileDown = await http.GetAsync("/healthz");

        // How the kill shows depends on whether a ping was on the wire: a refused connection, or one cut mid-answer.
        Assert.StartsWith("Upstream 'everything' is down (", reason.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("did not answer a ping", reason.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileDown.StatusCode);
    }

    [Fact]
    public async Task HttpUpstreamThatDiesWhileAnsweringAPing_IsDown_WithWhyThePingFailed()
    {
        await using var upstream = await NodeMcpServer.ScriptAsync(DiesOnPingServer);
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(TestUpstreams.Http(upstream.Url), Probing(pingTimeout: "00:01:00")));
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();

        var reason = await UpstreamFailureTests.WaitForAsync(board, "catalog", connected: false).WaitAsync(Patience);

        // Before, only HttpClient's outer message showed, the same whatever the cause: "An error occurred while sending the request".
        Assert.Equal(
            "Upstream 'everything' is down (a ping failed: An error occurred while sending the request: The response ended prematurely); restarting in 1 s.",
            reason.Detail);
    }

    [Fact]
    public async Task HungHttpUpstream_IsDown_WhenItLeavesAPingUnanswered_AndUpAgainOnceItAnswers()
    {
        await using var everything = await NodeMcpServer.EverythingAsync();
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(TestUpstreams.Http(everything.Url), Probing()));
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var down = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: false);
        var up = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: true, after: down);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        // Its port still accepts connections, and nothing is refused: before, /healthz said ok for as long as it hung.
        everything.Pause();
        UpstreamStatus reason;
        HttpResponseMessage whileDown;
        string upstreams;
        try
        {
            reason = await down.WaitAsync(Patience);
            whileDown = await http.GetAsync("/healthz");
            upstreams = await http.GetStringAsync("/api/upstreams");
        }
        finally
        {
            everything.Resume();
        }

        await up.WaitAsync(Patience);
        using var after = await http.GetAsync("/healthz");

        Assert.Equal("Upstream 'everything' is down (it did not answer a ping within 1 s); restarting in 1 s.", reason.Detail);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileDown.StatusCode);
        whileDown.Dispose();
        Assert.Contains("it did not answer a ping within 1 s", upstreams, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task HungHttpUpstream_ThatLeftAPingUnanswered_IsTriedAgain_WithoutWaitingForItToAnswerTheEndOfItsSession()
    {
        await using var everything = await NodeMcpServer.EverythingAsync();
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(TestUpstreams.Http(everything.Url), Probing()));
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var down = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: false);
        var triedAgain = new TaskCompletionSource<UpstreamStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        board.Changed += status =>
        {
            if (status is { Session: "catalog", Connected: false } && status.Detail.Contains("Retrying in", StringComparison.Ordinal))
            {
                triedAgain.TrySetResult(status);
            }
        };

        everything.Pause();
        UpstreamStatus attempt;
        try
        {
            await down.WaitAsync(Patience);

            // Before, the link first waited for the hung server to answer the DELETE that ends the old session, for as
            // long as HttpClient allows (100 s), and only then tried again.
            attempt = await triedAgain.Task.WaitAsync(Patience);
        }
        finally
        {
            everything.Resume();
        }

        Assert.Equal("Upstream 'everything' did not complete the MCP handshake within 2 s. Retrying in 2 s.", attempt.Detail);
    }

    [Fact]
    public async Task HungStdioUpstream_IsDown_WhenItLeavesAPingUnanswered_AndRestarted()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(TestUpstreams.EverythingStdio(marker: marker), Probing()));
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();

        // No agent session is open, so the only marked process is the gateway's own; it stays alive, but stops.
        var hung = await ConnectedProcessesAsync(board, marker);
        var down = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: false);
        var up = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: true, after: down);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        foreach (var pid in hung)
        {
            ChildProcess.Signal(pid, ChildProcess.SigStop);
        }

        var reason = await down.WaitAsync(Patience);
        using var whileDown = await http.GetAsync("/healthz");
        await up.WaitAsync(Patience);
        using var after = await http.GetAsync("/healthz");

        Assert.Equal("Upstream 'everything' is down (it did not answer a ping within 1 s); restarting in 1 s.", reason.Detail);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileDown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.All(hung, pid => Assert.DoesNotContain(pid, MarkedProcesses.Find(marker)));
    }

    /// <summary>
    /// The marked processes once the gateway's link to them is up. On a loaded machine a ping can miss its 1 s before
    /// the test stops anything (CI, 2026-11-28: no process was found), and the link is then restarting the server.
    /// </summary>
    private static async Task<IReadOnlyList<int>> ConnectedProcessesAsync(UpstreamStatusBoard board, string marker)
    {
        while (true)
        {
            var connected = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: true);
            if (board.Current.Any(s => s is { Session: "catalog", Connected: true }) && MarkedProcesses.Find(marker) is { Count: > 0 } found)
            {
                return found;
            }

            await connected.WaitAsync(Patience);
        }
    }

    [Fact]
    public void PingSettingsOutOfRange_AreRefused_NamingTheSetting()
    {
        var options = new GatewayOptions();
        options.Upstreams["search"] = new UpstreamOptions
        {
            Url = new Uri("http://127.0.0.1:9/mcp"),
            PingInterval = TimeSpan.FromSeconds(-1),
            PingTimeout = TimeSpan.Zero,
        };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Upstreams:search:PingInterval must not be negative", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Gateway:Upstreams:search:PingTimeout must be positive", result.FailureMessage, StringComparison.Ordinal);
    }

    /// <summary>A Streamable HTTP server that offers no GET event stream (405, as MCP allows), so a dead one cuts nothing.</summary>
    private const string StreamlessServer = """
        const http = require('node:http');
        const { randomUUID } = require('node:crypto');
        const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
        const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
        const sessions = new Map();
        http.createServer(async (req, res) => {
          if (req.method === 'GET') return res.writeHead(405, { Allow: 'POST, DELETE' }).end();
          const id = req.headers['mcp-session-id'];
          if (id && sessions.has(id)) return sessions.get(id).handleRequest(req, res);
          const transport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(), onsessioninitialized: sid => sessions.set(sid, transport) });
          const server = new McpServer({ name: 'streamless', version: '1.0.0' });
          server.registerTool('hello', {}, async () => ({ content: [{ type: 'text', text: 'hello' }] }));
          await server.connect(transport);
          return transport.handleRequest(req, res);
        }).listen(Number(process.env.PORT), '127.0.0.1');
        """;

    /// <summary>A Streamable HTTP server that cuts the connection of every ping it is sent, as one killed mid-answer does.</summary>
    private const string DiesOnPingServer = """
        const http = require('node:http');
        const { randomUUID } = require('node:crypto');
        const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
        const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
        const sessions = new Map();
        http.createServer(async (req, res) => {
          if (req.method === 'GET') return res.writeHead(405, { Allow: 'POST, DELETE' }).end();
          let body;
          if (req.method === 'POST') {
            const chunks = [];
            for await (const chunk of req) chunks.push(chunk);
            body = JSON.parse(Buffer.concat(chunks).toString());
            if (body.method === 'ping') return req.socket.destroy();
          }
          const id = req.headers['mcp-session-id'];
          if (id && sessions.has(id)) return sessions.get(id).handleRequest(req, res, body);
          const transport = new StreamableHTTPServerTransport({
            sessionIdGenerator: () => randomUUID(), onsessioninitialized: sid => sessions.set(sid, transport) });
          const server = new McpServer({ name: 'dies-on-ping', version: '1.0.0' });
          server.registerTool('hello', {}, async () => ({ content: [{ type: 'text', text: 'hello' }] }));
          await server.connect(transport);
          return transport.handleRequest(req, res, body);
        }).listen(Number(process.env.PORT), '127.0.0.1');
        """;
}
