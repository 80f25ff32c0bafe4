using System.Net;
using ApprovalGateway.Audit;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Proxy;
using ApprovalGateway.Upstreams;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>
/// A Streamable HTTP upstream that dies is noticed as a stdio one is, and one that restarts (and so no longer knows the
/// gateway's session) is given a new session, without the agent's own session noticing more than the outage.
/// </summary>
public sealed class HttpUpstreamRestartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task KilledHttpUpstream_FailsTheCallInFlight_TurnsHealthzDegraded_AndRestartedOnItsPort_ServesTheSameAgentSession()
    {
        var everything = await NodeMcpServer.EverythingAsync();
        var port = everything.Port;
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(everything.Url));
        await using var client = await gateway.ConnectAsync();
        using var http = new HttpClient();
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var catalogDown = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: false);
        var sessionDown = UpstreamFailureTests.WaitForAsync(board, client.SessionId!, connected: false);
        var sessionUp = UpstreamFailureTests.WaitForAsync(board, client.SessionId!, connected: true, after: sessionDown);
        var catalogUp = UpstreamFailureTests.WaitForAsync(board, "catalog", connected: true, after: catalogDown);
        Assert.Contains("before", await EchoAsync(client, "before"));
        var working = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        CallToolResult inFlight;
        await using (everything)
        {
            var longCall = client.CallToolAsync(
                "trigger-long-running-operation",
                new Dictionary<string, object?> { ["duration"] = 60, ["steps"] = 60 },
                new Progress<ProgressNotificationValue>(_ => working.TrySetResult())).AsTask();
            await working.Task.WaitAsync(Patience);
            await everything.KillAsync();
            inFlight = await longCall.WaitAsync(Patience);
        }

        // Before, nothing noticed: /healthz said ok and the upstream "connected" for as long as it was gone.
        var down = await catalogDown.WaitAsync(Patience);
        using var health = await http.GetAsync(new Uri(gateway.BaseAddress, "/healthz"));
        var upstreams = await http.GetStringAsync(new Uri(gateway.BaseAddress, "/api/upstreams"));
        await sessionDown.WaitAsync(Patience);

        await using var restarted = await NodeMcpServer.EverythingOnAsync(port);
        await sessionUp.WaitAsync(Patience);
        var after = await EchoAsync(client, "after");
        await catalogUp.WaitAsync(Patience);

        Assert.True(inFlight.IsError);
        Assert.Equal("upstream_failed", (string?)Refusals.Of(inFlight)["decision"]);
        var failure = SessionRelayTests.Text(inFlight);
        Assert.True(failure.StartsWith("Upstream 'everything' went down before answering tools/call (", StringComparison.Ordinal), failure);
        Assert.Contains("whether it acted on it is not known", failure, StringComparison.Ordinal);
        Assert.Contains("Connection refused", down.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("\"connected\":false", upstreams, StringComparison.Ordinal);
        Assert.Contains("Connection refused", upstreams, StringComparison.Ordinal);
        Assert.Contains("after", after);
    }

    [Fact]
    public async Task UpstreamThatNoLongerKnowsTheSession_GetsANewOne_AndTheCallItRefused_IsSentOnceOnIt()
    {
        await using var upstream = await NodeMcpServer.ScriptAsync(ForgetfulServer.Script);
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "forgetful"));
        await using var client = await gateway.ConnectAsync();
        var first = await EchoAsync(client, "one");
        Assert.Equal("forgotten", SessionRelayTests.Text(await client.CallToolAsync("forget-sessions", new Dictionary<string, object?>())));

        // Before, every call from here on failed with -32000 "Bad Request: No valid session ID provided", for good.
        var second = await EchoAsync(client, "two");
        var third = await EchoAsync(client, "three");

        Assert.Equal("one (echo 1)", first);
        Assert.Equal("two (echo 2)", second);
        Assert.Equal("three (echo 3)", third);
        var outcomes = gateway.Services.GetRequiredService<IAuditLog>().Recent(20).Where(r => r.Tool == "echo" && r.Outcome != "forwarding");
        Assert.All(outcomes, r => Assert.Equal("forwarded", r.Outcome));
    }

    private static async Task<string> EchoAsync(McpClient client, string message) =>
        SessionRelayTests.Text(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = message }));
}
