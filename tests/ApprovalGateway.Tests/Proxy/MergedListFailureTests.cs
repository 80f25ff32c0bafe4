using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// Resources, templates and prompts of several upstreams are merged into one list: one upstream that fails its list
/// leaves its own items out, not everyone's, and the operator is told why they are missing.
/// </summary>
public sealed class MergedListFailureTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Before, the failing upstream's -32603 was the agent's whole answer, and the healthy one's items were lost.</summary>
    [Fact]
    public async Task UpstreamAnsweringResourcesAndPromptsWithAnInternalError_IsLeftOut_AndTheOthersItemsAreListed_AndItIsLogged()
    {
        await using var good = await StartAsync(
            "good",
            options =>
            {
                options.Handlers.ListResourcesHandler = (_, _) =>
                    ValueTask.FromResult(new ListResourcesResult { Resources = [new Resource { Uri = "note://good", Name = "good" }] });
                options.Handlers.ListPromptsHandler = (_, _) =>
                    ValueTask.FromResult(new ListPromptsResult { Prompts = [new Prompt { Name = "good-prompt" }] });
            });
        await using var broken = await StartAsync(
            "broken",
            options =>
            {
                options.Handlers.ListResourcesHandler = (_, _) => throw new McpProtocolException("resource index is corrupt", McpErrorCode.InternalError);
                options.Handlers.ListPromptsHandler = (_, _) => throw new McpProtocolException("prompt store is offline", McpErrorCode.InternalError);
            });
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(TestUpstreams.Http(good.Url, "good"), TestUpstreams.Http(broken.Url, "broken")),
            configure: builder => builder.Logging.AddProvider(log));
        await using var client = await gateway.ConnectAsync();

        var resources = (await client.ListResourcesAsync()).Select(r => r.Uri).ToList();
        var prompts = (await client.ListPromptsAsync()).Select(p => p.Name).ToList();
        var warning = await log.Logged(1123).WaitAsync(Patience);

        Assert.Equal(["note://good"], resources);
        Assert.Equal(["good-prompt"], prompts);
        Assert.Contains("'broken'", warning);
        Assert.Contains("-32603", warning);
    }

    /// <summary>
    /// An upstream that gives the same <c>nextCursor</c> on every page. Before, both the gateway's listing for the agent
    /// and the agent's own session paged it until its RequestTimeout (five minutes here), so the agent waited as long.
    /// </summary>
    [Fact]
    public async Task UpstreamRepeatingItsCursor_IsLeftOutOfTheMergedList_AtOnce_AndTheRepeatIsLogged()
    {
        await using var good = await StartAsync(
            "good",
            options => options.Handlers.ListResourcesHandler = (_, _) =>
                ValueTask.FromResult(new ListResourcesResult { Resources = [new Resource { Uri = "note://good", Name = "good" }] }));
        await using var looping = await StartAsync(
            "looping",
            options => options.Handlers.ListResourcesHandler = (_, _) =>
                ValueTask.FromResult(new ListResourcesResult { Resources = [new Resource { Uri = "note://loop", Name = "loop" }], NextCursor = "again" }));
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(
                TestUpstreams.Http(good.Url, "good"),
                TestUpstreams.Http(looping.Url, "looping"),
                new Dictionary<string, string?> { ["Gateway:Upstreams:looping:RequestTimeout"] = "00:05:00" }),
            configure: builder => builder.Logging.AddProvider(log));
        await using var client = await gateway.ConnectAsync();
        using var patience = new CancellationTokenSource(Patience);

        var resources = (await client.ListResourcesAsync(cancellationToken: patience.Token)).Select(r => r.Uri).ToList();
        var repeated = await log.Logged(1019).WaitAsync(Patience);

        Assert.Equal(["note://good"], resources);
        Assert.Contains("Upstream 'looping' repeated the cursor \"again\" while listing resources/list", repeated);
    }

    /// <summary>
    /// When no upstream answers, the agent is told what went wrong, not a later upstream's method-not-found, which would
    /// say that no upstream serves the list at all.
    /// </summary>
    [Fact]
    public async Task EveryUpstreamFailingItsTemplates_TheAgentGetsTheRealError_NotAnotherUpstreamsMethodNotFound()
    {
        await using var broken = await StartAsync(
            "broken",
            options => ServesResources(options, new McpProtocolException("template store is offline", McpErrorCode.InternalError)));
        await using var plain = await StartAsync(
            "plain",
            options => ServesResources(options, new McpProtocolException("no templates here", McpErrorCode.MethodNotFound)));
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(TestUpstreams.Http(broken.Url, "broken"), TestUpstreams.Http(plain.Url, "plain")));
        await using var client = await gateway.ConnectAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.ResourcesTemplatesList }));

        Assert.Equal(McpErrorCode.InternalError, error.ErrorCode);
        Assert.Contains("template store is offline", error.Message);
    }

    private static void ServesResources(McpServerOptions options, McpProtocolException templatesError)
    {
        options.Handlers.ListResourcesHandler = (_, _) => ValueTask.FromResult(new ListResourcesResult());
        options.Handlers.ListResourceTemplatesHandler = (_, _) => throw templatesError;
    }

    /// <summary>An HTTP upstream serving only what <paramref name="configure"/> sets up, and a tool named for it (one name, one tool).</summary>
    private static Task<DynamicToolsUpstream> StartAsync(string name, Action<McpServerOptions> configure) =>
        DynamicToolsUpstream.StartAsync(configure, McpServerTool.Create(() => name, new McpServerToolCreateOptions { Name = $"{name}_tool" }));
}
