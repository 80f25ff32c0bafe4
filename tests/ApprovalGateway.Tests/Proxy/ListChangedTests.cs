using ApprovalGateway.Policy;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>An upstream that changes its tools mid-session tells the agent through the gateway, and the new tool works.</summary>
public sealed class ListChangedTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ToolListChanged_ReachesTheAgent_AndTheNewToolIsListedAndCallable()
    {
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            McpServerTool.Create((string message) => $"first: {message}", new McpServerToolCreateOptions { Name = "first" }));
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "dynamic"));
        await using var client = await gateway.ConnectAsync();
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });
        var catalogRefreshed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.Services.GetRequiredService<ToolCatalog>().Changed += () =>
        {
            if (gateway.Services.GetRequiredService<ToolCatalog>().TryGet("late", out _))
            {
                catalogRefreshed.TrySetResult();
            }
        };
        Assert.Equal(["first"], (await client.ListToolsAsync()).Select(t => t.Name));

        upstream.Tools.Add(McpServerTool.Create((string message) => $"late: {message}", new McpServerToolCreateOptions { Name = "late" }));
        await changed.Task.WaitAsync(Patience);
        var names = (await client.ListToolsAsync()).Select(t => t.Name).Order().ToList();
        var late = await client.CallToolAsync("late", new Dictionary<string, object?> { ["message"] = "hi" });
        await catalogRefreshed.Task.WaitAsync(Patience);

        Assert.Equal(["first", "late"], names);
        Assert.Contains("late: hi", SessionRelayTests.Text(late));
    }

    [Fact]
    public async Task PolicyEdit_TellsTheAgentToListToolsAgain_AndTheNewlyHiddenToolIsGone()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio());
        await using var client = await gateway.ConnectAsync();
        Assert.Contains("BinanceTickerPrice", (await client.ListToolsAsync()).Select(t => t.Name));
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });

        await File.WriteAllTextAsync(gateway.PolicyPath, """{ "version": "1", "default": "allow", "hide": ["BinanceTickerPrice"] }""");
        Assert.True(gateway.Services.GetRequiredService<PolicyStore>().Reload());

        // Before, nothing told a connected agent, which went on offering the model a tool it could no longer call.
        await changed.Task.WaitAsync(Patience);
        Assert.DoesNotContain("BinanceTickerPrice", (await client.ListToolsAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task RootsListChanged_FromTheAgent_ReachesTheUpstream_WhichAsksForRootsAgain()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.Stdio);
        var rootsAsked = 0;
        var askedAgain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new McpClientOptions
        {
            ProtocolVersion = "2025-11-25",
            Handlers = new McpClientHandlers
            {
                RootsHandler = (_, _) =>
                {
                    if (Interlocked.Increment(ref rootsAsked) >= 2)
                    {
                        askedAgain.TrySetResult();
                    }

                    return ValueTask.FromResult(new ListRootsResult { Roots = [new Root { Uri = $"file:///srv/root-{rootsAsked}" }] });
                },
            },
        };
        await using var client = await everything.ConnectAsync(options);
        Assert.Contains("file:///srv/root-", SessionRelayTests.Text(await client.CallToolAsync("get-roots-list", new Dictionary<string, object?>())));

        await client.SendNotificationAsync(NotificationMethods.RootsListChangedNotification);

        await askedAgain.Task.WaitAsync(Patience);
    }
}
