using System.Diagnostics;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// The gateway under the MCP clients operators actually point at it, rather than the C# SDK the other tests use:
/// the official TypeScript SDK client (what Claude Code, VS Code and most hosts are built on) over Streamable HTTP,
/// and <c>mcp-remote</c>, the stdio bridge Claude Desktop launches to reach a remote server, carrying an agent key.
/// Both are the npm packages pinned in tests/upstreams.
/// </summary>
public sealed class ThirdPartyClientTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private const string AgentKey = "claude-desktop-agent-key-0001";

    /// <summary>
    /// A TypeScript SDK agent: lists tools, makes an allowed call, then two held calls (the test approves the first
    /// and rejects the second), each line it prints on stdout after <c>EVENT </c> being one JSON step.
    /// </summary>
    private const string TypeScriptAgent = """
        const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
        const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
        const emit = (o) => process.stdout.write('EVENT ' + JSON.stringify(o) + '\n');
        (async () => {
          const client = new Client({ name: 'ts-agent', version: '1.0.0' });
          const transport = new StreamableHTTPClientTransport(new URL(process.env.GATEWAY_MCP_URL));
          await client.connect(transport);
          emit({ step: 'tools', names: (await client.listTools()).tools.map(t => t.name) });
          emit({ step: 'price', result: await client.callTool({ name: 'BinanceTickerPrice', arguments: { symbol: 'BTCUSDT' } }) });
          for (const [step, algoId] of [['approved', 123], ['rejected', 124]]) {
            const progress = [];
            const result = await client.callTool(
              { name: 'BinanceSpotCancelOpenTWAPOrder', arguments: { algoId } },
              undefined,
              { onprogress: p => progress.push(p), timeout: 120000 });
            emit({ step, result, progress });
          }
          await transport.terminateSession();
          await client.close();
          emit({ step: 'closed' });
        })().catch(e => { process.stderr.write('ts-agent failed: ' + (e && e.stack || e) + '\n'); process.exit(1); });
        """;

    [Fact]
    public async Task TypeScriptSdkClient_ListsCalls_AndSeesItsHeldCallsApprovedAndRejected_WithRisingProgress()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        var events = new TypeScriptAgentEvents();
        await using var agent = StartTypeScriptAgent(TypeScriptAgent, scenario.Gateway.McpEndpoint, events);

        var first = await scenario.Approvals.WaitForPendingAsync(CancelTwap).WaitAsync(Guard);
        using (var approve = await scenario.DecideAsync(Alice, first.Id, "approve"))
        {
            approve.EnsureSuccessStatusCode();
        }

        var second = await scenario.Approvals.WaitForAsync(
            a => a.Status == ApprovalStatus.Pending && a.Id != first.Id, "the second held call").WaitAsync(Guard);
        using (var reject = await scenario.DecideAsync(Bob, second.Id, "reject", reason: "keep 124 running"))
        {
            reject.EnsureSuccessStatusCode();
        }

        await Task.WhenAny(agent.WaitForExitAsync(), events.Closed).WaitAsync(Guard);
        Assert.True(events.Closed.IsCompleted, "the TypeScript agent stopped before it closed its session: " + agent.Output);

        var names = events.Step("tools")["names"]!.AsArray().Select(n => (string?)n).ToList();
        Assert.Contains("BinanceTickerPrice", names);
        Assert.Contains(CancelTwap, names);
        Assert.Equal("BTCUSDT", (string?)events.Step("price")["result"]!["structuredContent"]!["prices"]![0]!["symbol"]);

        var approved = events.Step("approved");
        Assert.NotEqual(true, (bool?)approved["result"]!["isError"]);
        Assert.Equal(123, (long?)approved["result"]!["structuredContent"]!["algoId"]);
        var progress = approved["progress"]!.AsArray().Select(p => (double)p!["progress"]!).ToList();
        Assert.NotEmpty(progress);
        Assert.Equal(progress.Order(), progress);
        Assert.Equal(progress.Count, progress.Distinct().Count());
        Assert.Contains("approval", (string?)approved["progress"]![0]!["message"], StringComparison.OrdinalIgnoreCase);

        var rejected = events.Step("rejected")["result"]!;
        Assert.True((bool?)rejected["isError"]);
        Assert.Contains("Rejected by bob: keep 124 running", (string?)rejected["content"]![0]!["text"], StringComparison.Ordinal);
        Assert.Equal(("rejected", second.Id), ((string?)Refusals.Of(rejected)["decision"], (string?)Refusals.Of(rejected)["approvalId"]));

        var records = scenario.AuditOf(CancelTwap);
        Assert.Contains(records, r => r.Outcome == "forwarded" && r.ApprovalId == first.Id && r.DecidedBy.Contains("alice"));
        Assert.Contains(records, r => r.Outcome == "rejected" && r.ApprovalId == second.Id);
    }

    /// <summary>
    /// A TypeScript SDK agent that calls a tool the gateway does not have, and reports every error its client raises
    /// (<c>onerror</c>, which hosts show to their users) until the client is done with that call's stream. The 1.x
    /// client takes a JSON-RPC error for no answer and resumes the call's stream with <c>Last-Event-ID</c>; if the
    /// resumed stream ends without an answer, it reconnects, and the agent waits to hear how that went.
    /// </summary>
    private const string TypeScriptAgentWithAnErrorAnswer = """
        const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
        const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
        const emit = (o) => process.stdout.write('EVENT ' + JSON.stringify(o) + '\n');
        (async () => {
          const errors = [];
          let erred, resumed;
          const error = new Promise(r => erred = r);
          const resumption = new Promise(r => resumed = r);
          const watched = async (url, init) => {
            const response = await fetch(url, init);
            if (new Headers(init && init.headers).get('last-event-id') === null) return response;
            if (!response.ok || !response.body) { resumed({ status: response.status, ended: false }); return response; }
            const body = response.body.pipeThrough(new TransformStream({ flush() { resumed({ status: response.status, ended: true }); } }));
            return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
          };
          const client = new Client({ name: 'ts-agent', version: '1.0.0' });
          client.onerror = e => { errors.push(String(e && e.message || e)); erred(); };
          const transport = new StreamableHTTPClientTransport(new URL(process.env.GATEWAY_MCP_URL), { fetch: watched });
          await client.connect(transport);
          const answer = await client.callTool({ name: 'NoSuchTool', arguments: {} }).then(result => ({ result }), e => ({ code: e.code }));
          emit({ step: 'answer', ...answer });
          const resume = await resumption;
          emit({ step: 'resume', ...resume });
          if (resume.ended) await error;
          await transport.terminateSession();
          await client.close();
          emit({ step: 'closed', errors });
        })().catch(e => { process.stderr.write('ts-agent failed: ' + (e && e.stack || e) + '\n'); process.exit(1); });
        """;

    [Fact]
    public async Task TypeScriptSdkClient_GivenAJsonRpcErrorAnswer_RaisesNoTransportErrors()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        var events = new TypeScriptAgentEvents();
        await using var agent = StartTypeScriptAgent(TypeScriptAgentWithAnErrorAnswer, scenario.Gateway.McpEndpoint, events);

        await Task.WhenAny(agent.WaitForExitAsync(), events.Closed).WaitAsync(Guard);
        Assert.True(events.Closed.IsCompleted, "the TypeScript agent stopped before it closed its session: " + agent.Output);

        // Before, the resumed stream replayed nothing and closed; the client then opened a GET of its own, refused
        // (400, the session's GET stream was open) and retried: five errors for one unknown tool.
        Assert.Equal(-32602, (int?)events.Step("answer")["code"]);
        Assert.Empty(events.Step("closed")["errors"]!.AsArray());
    }

    /// <summary>
    /// A TypeScript SDK agent whose held call's stream is watched on the wire: it prints a <c>keepalive</c> step once
    /// two SSE comments came down that stream, then the call's result once it has one.
    /// </summary>
    private const string TypeScriptAgentWatchingKeepalives = """
        const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
        const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
        const emit = (o) => process.stdout.write('EVENT ' + JSON.stringify(o) + '\n');
        (async () => {
          const watched = async (url, init) => {
            const response = await fetch(url, init);
            if (!(init && init.method === 'POST' && String(init.body).includes('tools/call')) || !response.body) return response;
            const decoder = new TextDecoder();
            let text = '', told = false;
            const body = response.body.pipeThrough(new TransformStream({ transform(chunk, out) {
              text += decoder.decode(chunk, { stream: true });
              if (!told && (text.match(/^: keepalive$/gm) || []).length >= 2) { told = true; emit({ step: 'keepalive' }); }
              out.enqueue(chunk);
            } }));
            return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
          };
          const client = new Client({ name: 'ts-agent', version: '1.0.0' });
          const transport = new StreamableHTTPClientTransport(new URL(process.env.GATEWAY_MCP_URL), { fetch: watched });
          await client.connect(transport);
          const result = await client.callTool({ name: 'BinanceSpotCancelOpenTWAPOrder', arguments: { algoId: 123 } }, undefined, { timeout: 120000 });
          emit({ step: 'approved', result });
          await transport.terminateSession();
          await client.close();
          emit({ step: 'closed' });
        })().catch(e => { process.stderr.write('ts-agent failed: ' + (e && e.stack || e) + '\n'); process.exit(1); });
        """;

    [Fact]
    public async Task TypeScriptSdkClient_TakesTheKeepaliveCommentsOnAHeldCallsStream_InItsStride()
    {
        await using var scenario = await StartAsync(
            Hold(CancelTwap, """{ "timeout": 120 }"""),
            new Dictionary<string, string?> { ["Gateway:EventStreamKeepalive"] = "00:00:01" });
        var events = new TypeScriptAgentEvents();
        await using var agent = StartTypeScriptAgent(TypeScriptAgentWatchingKeepalives, scenario.Gateway.McpEndpoint, events);
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap).WaitAsync(Guard);

        await Task.WhenAny(agent.WaitForExitAsync(), events.Reached("keepalive")).WaitAsync(Guard);
        Assert.True(events.Reached("keepalive").IsCompleted, "the TypeScript agent stopped before two comments came: " + agent.Output);
        using (var approve = await scenario.DecideAsync(Alice, held.Id, "approve"))
        {
            approve.EnsureSuccessStatusCode();
        }

        await Task.WhenAny(agent.WaitForExitAsync(), events.Closed).WaitAsync(Guard);
        Assert.True(events.Closed.IsCompleted, "the TypeScript agent stopped before it closed its session: " + agent.Output);
        var result = events.Step("approved")["result"]!;
        Assert.True((bool?)result["isError"] != true, result.ToJsonString());
        Assert.Equal(123, (long?)result["structuredContent"]!["algoId"]);
    }

    [Fact]
    public async Task McpRemote_ClaudeDesktopsBridge_CarriesTheAgentKey_AnAllowedCall_AndAnApprovedOne()
    {
        await using var scenario = await StartAsync(
            Hold(CancelTwap, """{ "timeout": 120 }"""),
            new Dictionary<string, string?> { ["Gateway:Agents:claude-desktop:ApiKey"] = AgentKey });
        var config = Directory.CreateTempSubdirectory("mcp-remote-");
        try
        {
            var bridge = new StdioClientTransport(new StdioClientTransportOptions
            {
                Name = "mcp-remote",
                Command = "node",
                Arguments =
                [
                    McpRemoteScript,
                    scenario.Gateway.McpEndpoint.ToString(),
                    "--transport", "http-only",
                    "--header", $"Authorization: Bearer {AgentKey}",
                ],
                EnvironmentVariables = new Dictionary<string, string?> { ["MCP_REMOTE_CONFIG_DIR"] = config.FullName },
            });
            var waiting = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var desktop = await McpClient.CreateAsync(bridge, new McpClientOptions { ProtocolVersion = "2025-06-18" });

            var price = await desktop.CallToolAsync("BinanceTickerPrice", new Dictionary<string, object?> { ["symbol"] = "ETHUSDT" });
            var call = desktop.CallToolAsync(
                CancelTwap,
                CancelTwapArgs(123),
                new Progress<ProgressNotificationValue>(p => waiting.TrySetResult(p.Message ?? ""))).AsTask();
            var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap).WaitAsync(Guard);
            var notice = await waiting.Task.WaitAsync(Guard);
            using (var approve = await scenario.DecideAsync(Alice, held.Id, "approve"))
            {
                approve.EnsureSuccessStatusCode();
            }

            var result = await call.WaitAsync(Guard);

            Assert.Equal("ETHUSDT", (string?)Structured(price)["prices"]![0]!["symbol"]);
            Assert.Contains("approval", notice, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("claude-desktop", held.Request.Agent);
            Assert.NotEqual(true, result.IsError);
            Assert.Equal(123, (long)Structured(result)["algoId"]!);
            var record = Assert.Single(scenario.AuditOf(CancelTwap), r => r.Outcome == "forwarded");
            Assert.Equal(("claude-desktop", held.Id), (record.Agent, record.ApprovalId));
        }
        finally
        {
            config.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Without the key mcp-remote takes the gateway's 401 for an OAuth server, and dies on the client registration it
    /// falls back to: what it reports must tell the operator to send the agent key, not only "HTTP 404".
    /// </summary>
    [Fact]
    public async Task McpRemote_WithoutTheAgentKey_StopsSayingToSendIt_AndNothingReachesTheUpstream()
    {
        await using var scenario = await StartAsync(
            Hold(CancelTwap, """{ "timeout": 120 }"""),
            new Dictionary<string, string?> { ["Gateway:Agents:claude-desktop:ApiKey"] = AgentKey });
        var config = Directory.CreateTempSubdirectory("mcp-remote-");
        try
        {
            var start = new ProcessStartInfo("node")
            {
                ArgumentList = { McpRemoteScript, scenario.Gateway.McpEndpoint.ToString(), "--transport", "http-only" },
                Environment = { ["MCP_REMOTE_CONFIG_DIR"] = config.FullName },
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var bridge = Process.Start(start)!;
            var stdout = bridge.StandardOutput.ReadToEndAsync();
            var stderr = bridge.StandardError.ReadToEndAsync();
            await bridge.StandardInput.WriteLineAsync(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"desktop","version":"1"}}}""");
            await bridge.StandardInput.FlushAsync();
            try
            {
                await bridge.WaitForExitAsync().WaitAsync(Guard);
            }
            finally
            {
                bridge.Kill(entireProcessTree: true);
            }

            Assert.NotEqual(0, bridge.ExitCode);
            Assert.Contains("it takes no OAuth sign-in", await stderr, StringComparison.Ordinal);
            Assert.Contains("Authorization: Bearer AGENT_KEY", await stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("\"result\"", await stdout, StringComparison.Ordinal);
            Assert.Empty(scenario.Approvals.Created);
        }
        finally
        {
            config.Delete(recursive: true);
        }
    }

    private static ChildProcess StartTypeScriptAgent(string script, Uri gateway, TypeScriptAgentEvents events) =>
        ChildProcess.Start(
            new ProcessStartInfo("node")
            {
                ArgumentList = { "-e", script },
                WorkingDirectory = Path.Combine(RepoPaths.Root, "tests", "upstreams"),
                Environment = { ["GATEWAY_MCP_URL"] = gateway.ToString() },
            },
            events.OnLine);

    private static string McpRemoteScript => Path.Combine(RepoPaths.Root, "tests", "upstreams", "node_modules", "mcp-remote", "dist", "proxy.js");

    /// <summary>The steps the TypeScript agent printed, by name; <see cref="Closed"/> once it printed its last.</summary>
    private sealed class TypeScriptAgentEvents
    {
        private const string Prefix = "EVENT ";

        private readonly Lock gate = new();
        private readonly Dictionary<string, JsonObject> steps = [];
        private readonly Dictionary<string, TaskCompletionSource> reached = [];

        public Task Closed => Reached("closed");

        /// <summary>Completes once the agent printed the step <paramref name="name"/>.</summary>
        public Task Reached(string name)
        {
            lock (gate)
            {
                return Signal(name).Task;
            }
        }

        private TaskCompletionSource Signal(string name) =>
            reached.TryGetValue(name, out var signal) ? signal : reached[name] = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnLine(string line)
        {
            if (!line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                return;
            }

            var step = JsonNode.Parse(line[Prefix.Length..])!.AsObject();
            var name = (string)step["step"]!;
            TaskCompletionSource signal;
            lock (gate)
            {
                steps[name] = step;
                signal = Signal(name);
            }

            signal.TrySetResult();
        }

        public JsonObject Step(string name)
        {
            lock (gate)
            {
                return steps.TryGetValue(name, out var step) ? step : throw new InvalidOperationException($"The agent printed no '{name}' step.");
            }
        }
    }
}
