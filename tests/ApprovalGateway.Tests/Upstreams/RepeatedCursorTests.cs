using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>
/// An upstream whose <c>tools/list</c> pages give back a <c>nextCursor</c> it gave before in the same listing would be
/// paged for ever: the listing ends at the repeat instead, and the last good listing stands.
/// </summary>
public sealed class RepeatedCursorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Before, the catalogue paged the upstream until its RequestTimeout (five minutes here), holding every later
    /// re-listing of it; and the agent's own session, whose tools/list has no such limit, paged it until the agent gave up.
    /// </summary>
    [Fact]
    public async Task UpstreamRepeatingItsToolsCursor_EndsTheCataloguesListingAtOnce_WhichKeepsTheLastGoodOne_AndTheAgentIsListedThatPromptly()
    {
        var looping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var alpha = McpServerTool.Create(() => "alpha", new McpServerToolCreateOptions { Name = "alpha" }).ProtocolTool;
        var beta = McpServerTool.Create(() => "beta", new McpServerToolCreateOptions { Name = "beta" }).ProtocolTool;
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Handlers.ListToolsHandler = (request, _) => ValueTask.FromResult(request.Params?.Cursor is null
                ? new ListToolsResult { Tools = [alpha], NextCursor = "page-2" }
                : new ListToolsResult { Tools = [beta], NextCursor = looping.Task.IsCompleted ? "page-2" : null }),
            McpServerTool.Create(
                async (McpServer server, CancellationToken cancellationToken) =>
                {
                    looping.TrySetResult();
                    await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken);
                    return "looping from now on";
                },
                new McpServerToolCreateOptions { Name = "start_looping" }));
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(
                TestUpstreams.Http(upstream.Url, "paged"),
                new Dictionary<string, string?> { ["Gateway:Upstreams:paged:RequestTimeout"] = "00:05:00" }),
            configure: builder => builder.Logging.AddProvider(log));
        var catalog = gateway.Services.GetRequiredService<ToolCatalog>();
        await using var client = await gateway.ConnectAsync();
        using var patience = new CancellationTokenSource(Patience);

        var call = await client.CallToolAsync("start_looping", new Dictionary<string, object?>(), cancellationToken: patience.Token);
        var catalogueFailure = await log.Logged(1005).WaitAsync(Patience);
        var listed = (await client.ListToolsAsync(cancellationToken: patience.Token)).Select(t => t.Name).ToList();
        var sessionFailure = await log.Logged(1120).WaitAsync(Patience);

        Assert.NotEqual(true, call.IsError);
        Assert.Contains("Upstream 'paged' repeated the cursor \"page-2\" while listing tools/list", catalogueFailure);
        Assert.True(catalog.TryGet("alpha", out _));
        Assert.True(catalog.TryGet("beta", out _));
        Assert.Contains("alpha", listed);
        Assert.Contains("beta", listed);
        Assert.Contains("repeated the cursor", sessionFailure);
        Assert.Contains(1019, log.EventIds);
    }

    /// <summary>
    /// The agent's own session's <c>tools/list</c> had no time limit: an upstream that never answered it there (while
    /// it answered the gateway's own connection, and pings) held the agent's listing until the agent gave up. It now has
    /// the upstream's RequestTimeout, as every other request to it, and the agent is listed the tools as last known.
    /// </summary>
    [Fact]
    public async Task UpstreamNeverAnsweringTheAgentSessionsToolsList_IsGivenUpAfterItsRequestTimeout_AndTheAgentIsListedTheKnownTools()
    {
        var hanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Handlers.ListToolsHandler = async (request, cancellationToken) =>
            {
                if (request.Server.ClientInfo?.Name != "approval-gateway")
                {
                    await hanging.Task.WaitAsync(cancellationToken);
                }

                return new ListToolsResult { Tools = [McpServerTool.Create(() => "alpha", new McpServerToolCreateOptions { Name = "alpha" }).ProtocolTool] };
            },
            McpServerTool.Create(() => "alpha", new McpServerToolCreateOptions { Name = "alpha" }));
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(
                TestUpstreams.Http(upstream.Url, "stuck"),
                new Dictionary<string, string?> { ["Gateway:Upstreams:stuck:RequestTimeout"] = "00:00:02" }),
            configure: builder => builder.Logging.AddProvider(log));
        await using var client = await gateway.ConnectAsync();
        using var patience = new CancellationTokenSource(Patience);
        try
        {
            // Opens the agent's own session there, through which it then lists.
            await client.CallToolAsync("alpha", new Dictionary<string, object?>(), cancellationToken: patience.Token);
            var listed = (await client.ListToolsAsync(cancellationToken: patience.Token)).Select(t => t.Name).ToList();
            var failure = await log.Logged(1120).WaitAsync(Patience);

            Assert.Equal(["alpha"], listed);
            Assert.Contains("did not answer tools/list within 2s (Gateway:Upstreams:stuck:RequestTimeout)", failure);
        }
        finally
        {
            hanging.TrySetResult();
        }
    }
}
