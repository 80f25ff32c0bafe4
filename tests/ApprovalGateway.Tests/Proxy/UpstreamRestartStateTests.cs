using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// An upstream that restarts mid-session (a crash, a new process) is set up again as the agent had set it up: the
/// log level it asked for and the resources it subscribed to. A direct client would see its connection end and redo
/// both; through the gateway the session goes on, so the gateway redoes them.
/// </summary>
public sealed class UpstreamRestartStateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Says, as notifications naming its process, each log level it is given and each subscription it takes.</summary>
    private const string StatefulServer = """
        const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
        const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
        const { SetLevelRequestSchema, SubscribeRequestSchema } = require('@modelcontextprotocol/sdk/types.js');
        const server = new McpServer({ name: 'stateful', version: '1.0.0' }, { capabilities: { logging: {}, resources: { subscribe: true } } });
        server.registerResource('note', 'note://one', {}, async () => ({ contents: [{ uri: 'note://one', text: 'one' }] }));
        server.registerTool('crash', {}, async () => { setTimeout(() => process.exit(1), 10); return { content: [{ type: 'text', text: 'bye' }] }; });
        server.server.removeRequestHandler('logging/setLevel');
        server.server.setRequestHandler(SetLevelRequestSchema, async (r) => {
          setTimeout(() => server.server.sendLoggingMessage({ level: 'emergency', data: `level ${r.params.level} in ${process.pid}` }), 0);
          return {};
        });
        server.server.setRequestHandler(SubscribeRequestSchema, async (r) => {
          setTimeout(() => server.server.sendResourceUpdated({ uri: `${r.params.uri}#${process.pid}` }), 0);
          return {};
        });
        server.connect(new StdioServerTransport());
        """;

    [Fact]
    public async Task RestartedStdioUpstream_IsGivenTheSessionsLogLevelAndSubscriptionsAgain()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.NodeScriptStdio("stateful", StatefulServer));
        await using var client = await gateway.ConnectAsync();
        var levels = new Signals();
        var updates = new Signals();
        await using var onLog = CollectLogMessages(client, levels);
        await using var onUpdate = client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updates.Add(n.Params!["uri"]!.GetValue<string>());
            return ValueTask.CompletedTask;
        });

        await client.SetLoggingLevelAsync(LoggingLevel.Error);
        await client.SubscribeToResourceAsync("note://one");
        var firstLevel = await levels.NextAsync(_ => true);
        var firstUpdate = await updates.NextAsync(_ => true);
        var firstProcess = firstLevel.Split(" in ")[1];
        await client.CallToolAsync("crash");

        // Before, the new process never heard of either: log messages the agent had filtered out came through, and
        // its subscription was gone, with nothing said.
        var level = await levels.NextAsync(m => !m.EndsWith($" in {firstProcess}", StringComparison.Ordinal));
        var update = await updates.NextAsync(u => !u.EndsWith($"#{firstProcess}", StringComparison.Ordinal));

        Assert.Equal($"level error in {firstProcess}", firstLevel);
        Assert.Equal($"note://one#{firstProcess}", firstUpdate);
        Assert.StartsWith("level error in ", level, StringComparison.Ordinal);
        Assert.StartsWith("note://one#", update, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before, a level MCP does not define was kept all the same: the upstream refused it, and after a restart the new
    /// process was given it instead of the level the agent had set, refused it again, and logged everything.
    /// </summary>
    [Fact]
    public async Task LogLevelMcpDoesNotDefine_IsRefused_AndARestartedUpstreamIsGivenTheLevelSetBefore()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.NodeScriptStdio("stateful", StatefulServer));
        await using var client = await gateway.ConnectAsync();
        var levels = new Signals();
        await using var onLog = CollectLogMessages(client, levels);
        await client.SetLoggingLevelAsync(LoggingLevel.Error);
        await client.ReadResourceAsync("note://one");
        var firstProcess = (await levels.NextAsync(_ => true)).Split(" in ")[1];

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.SendRequestAsync(
            new JsonRpcRequest { Method = RequestMethods.LoggingSetLevel, Params = new JsonObject { ["level"] = "loud" } }));
        await client.CallToolAsync("crash");
        var level = await levels.NextAsync(m => !m.EndsWith($" in {firstProcess}", StringComparison.Ordinal));

        Assert.Equal(McpErrorCode.InvalidParams, refused.ErrorCode);
        Assert.Contains(
            "logging/setLevel needs a 'level' of debug, info, notice, warning, error, critical, alert or emergency.", refused.Message, StringComparison.Ordinal);
        Assert.StartsWith("level error in ", level, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogLevelSetBeforeTheUpstreamIsUsed_StartsNothing_AndReachesTheSessionItsFirstUseOpens()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.NodeScriptStdio("stateful", StatefulServer),
            new Dictionary<string, string?> { ["Gateway:Upstreams:stateful:Env:GATEWAY_TEST_MARKER"] = marker }));
        await using var client = await gateway.ConnectAsync();
        var levels = new Signals();
        await using var onLog = CollectLogMessages(client, levels);

        await client.SetLoggingLevelAsync(LoggingLevel.Error);
        var afterSetLevel = MarkedProcesses.Find(marker);
        await client.ReadResourceAsync("note://one");
        var afterRead = MarkedProcesses.Find(marker);
        var level = await levels.NextAsync(_ => true);

        Assert.Single(afterSetLevel);
        Assert.Equal(2, afterRead.Count);
        var opened = Assert.Single(afterRead.Except(afterSetLevel));
        Assert.Equal($"level error in {opened}", level);
    }

    /// <summary>Values as they arrive; <see cref="NextAsync"/> waits for the first one that matches.</summary>
    /// <summary>Puts the data of each log message the client is sent in <paramref name="into"/>, until disposed.</summary>
    private static IAsyncDisposable CollectLogMessages(McpClient client, Signals into) =>
        client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (n, _) =>
        {
            into.Add(n.Params!["data"]!.GetValue<string>());
            return ValueTask.CompletedTask;
        });

    private sealed class Signals
    {
        private readonly List<string> _seen = [];
        private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiting = [];

        public void Add(string value)
        {
            List<TaskCompletionSource<string>> done;
            lock (_seen)
            {
                _seen.Add(value);
                done = [.. _waiting.Where(w => w.Match(value)).Select(w => w.Done)];
                _waiting.RemoveAll(w => w.Match(value));
            }

            done.ForEach(d => d.TrySetResult(value));
        }

        public Task<string> NextAsync(Func<string, bool> match)
        {
            var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_seen)
            {
                if (_seen.FirstOrDefault(match) is { } seen)
                {
                    return Task.FromResult(seen);
                }

                _waiting.Add((match, done));
            }

            return done.Task.WaitAsync(Patience);
        }
    }
}
