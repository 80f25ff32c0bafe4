using System.Collections.Concurrent;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>An upstream that dies or never comes up gives agents a clear, fast error, and comes back on its own.</summary>
public sealed class UpstreamFailureTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task KilledStdioUpstream_GivesClearError_ThenWorksAfterAutomaticRestart()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio(marker: marker));
        await using var client = await gateway.ConnectAsync();
        Assert.Contains("before", await EchoAsync(client, "before"));
        using (var http = new HttpClient())
        {
            Assert.Equal("{\"status\":\"ok\"}", await http.GetStringAsync(new Uri(gateway.BaseAddress, "/healthz")));
        }

        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var down = WaitForAsync(board, client.SessionId!, connected: false);
        var up = WaitForAsync(board, client.SessionId!, connected: true, after: down);

        Assert.NotEqual(0, MarkedProcesses.KillAll(marker));
        var reason = await down.WaitAsync(Patience);
        var whileDown = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "during" });
        await up.WaitAsync(Patience);
        var afterRestart = await EchoAsync(client, "after");

        Assert.Contains("exited", reason.Detail);
        Assert.True(whileDown.IsError);
        Assert.Contains("Upstream 'everything' is down", SessionRelayTests.Text(whileDown));
        Assert.Equal("upstream_failed", (string?)Refusals.Of(whileDown)["decision"]);
        Assert.Contains("after", afterRestart);
    }

    [Fact]
    public async Task UpstreamThatCannotStart_AnswersAtOnceWithTheReason_InsteadOfHanging()
    {
        await using var gateway = await GatewayHost.StartAsync(new Dictionary<string, string?>
        {
            ["Gateway:Upstreams:broken:Command"] = "node",
            ["Gateway:Upstreams:broken:Args:0"] = "-e",
            ["Gateway:Upstreams:broken:Args:1"] = "process.exit(3)",
        });
        await using var client = await gateway.ConnectAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.ListToolsAsync().AsTask().WaitAsync(Patience));

        Assert.Contains("broken", error.Message);
        Assert.Equal(McpErrorCode.InternalError, error.ErrorCode);
        using var http = new HttpClient();
        using var health = await http.GetAsync(new Uri(gateway.BaseAddress, "/healthz"));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("degraded", await health.Content.ReadAsStringAsync());
        var upstreams = await http.GetStringAsync(new Uri(gateway.BaseAddress, "/api/upstreams"));
        Assert.Contains("\"connected\":false", upstreams);
    }

    [Fact]
    public async Task AgentSessions_LeaveRetriesToTheGatewaysOwnConnection_WhileTheUpstreamIsDown_AndComeBackWithIt_AnsweringACallMadeAtOnce()
    {
        var closed = Path.Combine(Path.GetTempPath(), $"gateway-test-closed-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(closed, "");
        try
        {
            await using var gateway = await GatewayHost.StartAsync(TestUpstreams.ClosableStdio(closed));
            var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
            var sessionAttempts = new ConcurrentDictionary<string, int>();
            var gatewayAttempts = 1;
            var thirdGatewayAttempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            board.Changed += status =>
            {
                if (status.Connected)
                {
                    return;
                }

                if (status.Session != "catalog")
                {
                    sessionAttempts.AddOrUpdate(status.Session, 1, (_, n) => n + 1);
                }
                else if (Interlocked.Increment(ref gatewayAttempts) == 3)
                {
                    thirdGatewayAttempt.TrySetResult();
                }
            };
            McpClient[] agents = [await gateway.ConnectAsync(), await gateway.ConnectAsync(), await gateway.ConnectAsync()];
            foreach (var agent in agents)
            {
                await Assert.ThrowsAsync<McpProtocolException>(() => agent.ListToolsAsync().AsTask());
            }

            // 1 s + 2 s of the gateway's own backoff: before, each session had retried on its own schedule meanwhile.
            await thirdGatewayAttempt.Task.WaitAsync(Patience);
            var attemptsWhileDown = agents.Select(a => sessionAttempts.GetValueOrDefault(a.SessionId!)).ToArray();
            var whileDown = await Assert.ThrowsAsync<McpProtocolException>(() => agents[0].ListToolsAsync().AsTask());
            var gatewayBack = WaitForAsync(board, "catalog", connected: true);
            var back = agents.Select(a => WaitForAsync(board, a.SessionId!, connected: true)).ToArray();
            File.Delete(closed);
            await gatewayBack.WaitAsync(Patience);

            // The moment the gateway's own connection is back, before the sessions' own are and before the gateway has
            // listed the tools again (it never could): the call waits for its session rather than hear "unknown tool".
            Assert.Equal("hi", SessionRelayTests.Text(await agents[0].CallToolAsync("hello")));
            await Task.WhenAll(back).WaitAsync(Patience);

            Assert.Equal([1, 1, 1], attemptsWhileDown);
            Assert.Contains("closed for maintenance", whileDown.Message, StringComparison.Ordinal);
            foreach (var agent in agents)
            {
                // Listed first, as an agent told of the change does: the gateway's own listing may not have caught up.
                Assert.Contains(await agent.ListToolsAsync(), t => t.Name == "hello");
                Assert.Equal("hi", SessionRelayTests.Text(await agent.CallToolAsync("hello")));
                await agent.DisposeAsync();
            }
        }
        finally
        {
            File.Delete(closed);
        }
    }

    [Fact]
    public async Task UpstreamBackAfterAnOutageLongEnoughForTheBackoffToGrow_IsTriedAgainForTheNextCall_AndTheAgentsSessionComesBackWithIt()
    {
        var closed = Path.Combine(Path.GetTempPath(), $"gateway-test-closed-{Guid.NewGuid():N}");
        var marker = Guid.NewGuid().ToString("N");
        var log = new ErrorLog();
        try
        {
            await using var gateway = await GatewayHost.StartAsync(
                TestUpstreams.Merge(TestUpstreams.ClosableStdio(closed), new Dictionary<string, string?>
                {
                    ["Gateway:Upstreams:flaky:Env:GATEWAY_TEST_MARKER"] = marker,
                    ["Logging:LogLevel:ApprovalGateway.Upstreams"] = "Debug",
                }),
                configure: builder => builder.Logging.AddProvider(log));
            var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
            await using var agent = await gateway.ConnectAsync();
            Assert.Equal("hi", SessionRelayTests.Text(await agent.CallToolAsync("hello")));
            var grown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            board.Changed += status =>
            {
                if (status is { Session: "catalog", Connected: false } && status.Detail.EndsWith("Retrying in 16 s.", StringComparison.Ordinal))
                {
                    grown.TrySetResult();
                }
            };

            // Down for the gateway's own connection and the agent's session alike, for 1 + 2 + 4 + 8 s of retries.
            await File.WriteAllTextAsync(closed, "");
            MarkedProcesses.KillAll(marker);
            await grown.Task.WaitAsync(TimeSpan.FromSeconds(60));
            File.Delete(closed);
            var nudged = log.Logged(1025);
            var gatewayBack = WaitForAsync(board, "catalog", connected: true);
            var whileDown = await agent.CallToolAsync("hello");
            await nudged.WaitAsync(Patience);
            await gatewayBack.WaitAsync(Patience);
            var onceBack = await agent.CallToolAsync("hello");

            // Before, the gateway's connection waited out its 16 s, and the agent's session a backoff of its own after
            // that: a restarted upstream stayed unusable for up to a minute after an outage.
            Assert.True(whileDown.IsError);
            Assert.Matches(@"^Upstream 'flaky' is tried again now, for a request that needs it, instead of in 1[0-6] s$", await nudged);
            Assert.Equal("hi", SessionRelayTests.Text(onceBack));
        }
        finally
        {
            File.Delete(closed);
        }
    }

    private static async Task<string> EchoAsync(McpClient client, string message) =>
        SessionRelayTests.Text(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = message }));

    internal static Task<UpstreamStatus> WaitForAsync(UpstreamStatusBoard board, string session, bool connected, Task? after = null)
    {
        var seen = new TaskCompletionSource<UpstreamStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        board.Changed += status =>
        {
            if (status.Session == session && status.Connected == connected && (after is null || after.IsCompleted))
            {
                seen.TrySetResult(status);
            }
        };
        return seen.Task;
    }
}
