using System.Net;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Proxy;
using ApprovalGateway.Upstreams;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>
/// Two upstreams serving one tool name stop the gateway at startup; when the clash appears later (the second was down
/// at startup), its clashing tools stay out of every agent's list, and health says so.
/// </summary>
public sealed class ToolNameClashTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ClashAfterStartup_LeavesTheLaterUpstreamsClashingToolsOut_AndShowsInHealth()
    {
        var port = LoopbackPort.Free();
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.EverythingStdio("ev"), TestUpstreams.Http(new Uri($"http://127.0.0.1:{port}/mcp"), "evh")));
        await using var client = await gateway.ConnectAsync();
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var catalog = gateway.Services.GetRequiredService<ToolCatalog>();
        var sessionUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        board.Changed += status =>
        {
            if (status is { Upstream: "evh", Connected: true } && status.Session == client.SessionId)
            {
                sessionUp.TrySetResult();
            }
        };
        // The catalogue's link to evh reports itself connected apart from the listing it sets off, before or after it: the
        // listing is done once the board shows that link connected with the clash the listing found.
        var catalogListed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        board.Changed += status =>
        {
            if (status is { Upstream: "evh", Session: "catalog", Connected: true, Clash: not null })
            {
                catalogListed.TrySetResult();
            }
        };
        var before = (await client.ListToolsAsync()).Select(t => t.Name).ToList();

        await using var evh = await NodeMcpServer.EverythingOnAsync(port);
        await sessionUp.Task.WaitAsync(Patience);
        await catalogListed.Task.WaitAsync(Patience);
        var after = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hi" });
        using var http = new HttpClient();
        using var health = await http.GetAsync(new Uri(gateway.BaseAddress, "/healthz"));
        var upstreams = await http.GetStringAsync(new Uri(gateway.BaseAddress, "/api/upstreams"));

        // Before, every clashing name was listed twice, the second time with evh's definition though calls went to ev.
        Assert.Contains("echo", before);
        Assert.Equal(after.Count, after.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(before.Order(StringComparer.Ordinal), after.Intersect(before).Order(StringComparer.Ordinal));
        Assert.Contains("hi", SessionRelayTests.Text(echo));
        Assert.Equal("ev", catalog.Tools.Single(t => t.Name == "echo").UpstreamName);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("degraded", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("'echo'", upstreams, StringComparison.Ordinal);
        Assert.Contains("Gateway:Upstreams:evh:ToolPrefix", upstreams, StringComparison.Ordinal);
    }
}
