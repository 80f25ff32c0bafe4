using System.Collections.Concurrent;
using System.Text.Json;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// An agent session opens its session on an upstream (for stdio, a process of its own) when a request of it first needs
/// that upstream, not when it initializes: a session that only lists tools, or uses one upstream of several, costs the
/// others nothing. Counted as an operator would: the upstream's processes on the machine.
/// </summary>
public sealed class UpstreamSessionOnFirstUseTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ListingTools_StartsNoUpstreamProcess_AndTheFirstCallStartsExactlyOne()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(marker: marker));
        var atStart = MarkedProcesses.Find(marker).Count;
        await using var client = await gateway.ConnectAsync();

        var tools = await client.ListToolsAsync();
        var afterListing = MarkedProcesses.Find(marker).Count;
        var first = await client.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());
        var afterFirstCall = MarkedProcesses.Find(marker).Count;
        var second = await client.CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());
        var afterSecondCall = MarkedProcesses.Find(marker).Count;

        Assert.Equal(1, atStart);
        Assert.Contains(tools, t => t.Name == "BinanceGetAccount");
        Assert.Equal(1, afterListing);
        Assert.NotEqual(true, first.IsError);
        Assert.Equal(2, afterFirstCall);
        Assert.NotEqual(true, second.IsError);
        Assert.Equal(2, afterSecondCall);
    }

    /// <summary>
    /// server-everything offers some tools only to clients that declare sampling, roots or elicitation; the gateway's own
    /// connection declares none, so its listing cannot stand in for such an agent's.
    /// </summary>
    [Fact]
    public async Task AgentThatDeclaresSampling_IsListedTheToolsTheUpstreamOffersOnlyToSuchClients()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.Stdio);
        await using var client = await everything.ConnectAsync(new McpClientOptions
        {
            ProtocolVersion = "2025-11-25",
            Handlers = new McpClientHandlers { SamplingHandler = (_, _, _) => throw new NotSupportedException("not asked here") },
        });

        var names = (await client.ListToolsAsync()).Select(t => t.Name).ToList();

        Assert.Contains("echo", names);
        Assert.Contains("trigger-sampling-request", names);
        Assert.DoesNotContain("trigger-sampling-request", everything.Gateway.Services.GetRequiredService<ToolCatalog>().Tools.Select(t => t.Name));
    }

    /// <summary>
    /// Real clients (Claude, VS Code, Cursor) declare roots, sampling and elicitation. Before, listing tools opened each
    /// such session's own process: an agent that opened sessions and only listed tools cost a process per session.
    /// </summary>
    [Fact]
    public async Task AgentDeclaringCapabilities_ListingToolsInManySessions_StartsNoProcessOfItsOwn_AndItsFirstCallStartsOne()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(marker: marker));
        var sessions = new List<McpClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                sessions.Add(await gateway.ConnectAsync(CapableAgent()));
            }

            var listings = new List<IList<McpClientTool>>();
            for (var round = 0; round < 3; round++)
            {
                foreach (var session in sessions)
                {
                    listings.Add(await session.ListToolsAsync());
                }
            }

            var afterListing = MarkedProcesses.Find(marker).Count;
            var call = await sessions[0].CallToolAsync("BinanceGetAccount", new Dictionary<string, object?>());
            var afterFirstCall = MarkedProcesses.Find(marker).Count;

            Assert.All(listings, tools => Assert.Contains(tools, t => t.Name == "BinanceGetAccount"));
            Assert.Equal(1, afterListing);
            Assert.NotEqual(true, call.IsError);
            Assert.Equal(2, afterFirstCall);
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Real clients list resources, resource templates and prompts right after <c>initialize</c>, as well as tools. Before,
    /// those lists opened each session's own session upstream: over stdio, a process per agent session that never used
    /// the upstream. They are now answered from the gateway's short session for the agent's shape, and say what the
    /// agent's own session would; a read or a prompt then opens the session's own, as any first use does.
    /// </summary>
    [Fact]
    public async Task ListingToolsResourcesTemplatesAndPromptsInManySessions_StartsNoProcessOfTheirOwn_ListsWhatTheirOwnSessionWould_AndReadsStillWork()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio(marker: marker));
        var sessions = new List<McpClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                sessions.Add(await gateway.ConnectAsync(CapableAgent()));
            }

            var listings = new List<string>();
            foreach (var session in sessions)
            {
                listings.Add(await ListEverythingAsync(session));
            }

            var afterListing = MarkedProcesses.Find(marker).Count;
            var ownSessionsOpened = sessions.Count(s => HasOwnUpstreamSession(gateway, s));

            // The same agent with its own session open (a call opened it) lists through it, as before.
            await using var withOwnSession = await gateway.ConnectAsync(CapableAgent());
            var echo = await withOwnSession.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "open" });
            var ownListing = await ListEverythingAsync(withOwnSession);

            var resources = await sessions[0].ListResourcesAsync();
            var read = await sessions[0].ReadResourceAsync(resources[0].Uri);
            var prompt = await sessions[1].GetPromptAsync("simple-prompt");

            Assert.Equal(1, afterListing);
            Assert.Equal(0, ownSessionsOpened);
            Assert.NotEqual(true, echo.IsError);
            Assert.Contains("\"resources\":[{", ownListing);
            Assert.Contains("\"resourceTemplates\":[{", ownListing);
            Assert.Contains("\"prompts\":[{", ownListing);
            Assert.All(listings, listing => Assert.Equal(ownListing, listing));
            Assert.NotEmpty(read.Contents);
            Assert.NotEmpty(prompt.Messages);
            Assert.True(await OwnUpstreamSessionReportedAsync(gateway, sessions[0]));
            Assert.True(await OwnUpstreamSessionReportedAsync(gateway, sessions[1]));
            Assert.False(HasOwnUpstreamSession(gateway, sessions[2]));
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// server-everything's <c>gzip-file-as-resource</c> adds a resource to the calling session and says so on it only.
    /// Another agent answered <c>resources/list</c> from the gateway's listing has no session there to hear it: before,
    /// that listing was never kept; now it is, so the other agent must be told to list again.
    /// </summary>
    [Fact]
    public async Task ResourceListChangedOnOneAgentsSession_ReachesAnotherAnsweredFromTheListing_WithoutASessionOfItsOwn()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio());
        await using var caller = await gateway.ConnectAsync(CapableAgent());
        await using var bystander = await gateway.ConnectAsync(CapableAgent());
        var callerTold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bystanderTold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onCaller = caller.RegisterNotificationHandler(NotificationMethods.ResourceListChangedNotification, (_, _) =>
        {
            callerTold.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await using var onBystander = bystander.RegisterNotificationHandler(NotificationMethods.ResourceListChangedNotification, (_, _) =>
        {
            bystanderTold.TrySetResult();
            return ValueTask.CompletedTask;
        });
        var before = (await bystander.ListResourcesAsync()).Select(r => r.Uri).Order().ToList();

        var call = await caller.CallToolAsync("gzip-file-as-resource", new Dictionary<string, object?>
        {
            ["name"] = "note.txt.gz",
            ["data"] = "data:text/plain,hello",
        });
        await callerTold.Task.WaitAsync(Patience);
        await bystanderTold.Task.WaitAsync(Patience);
        var callerAfter = (await caller.ListResourcesAsync()).Select(r => r.Uri).ToList();
        var bystanderAfter = (await bystander.ListResourcesAsync()).Select(r => r.Uri).Order().ToList();

        Assert.NotEqual(true, call.IsError);
        Assert.Contains("demo://resource/session/note.txt.gz", callerAfter);
        Assert.NotEmpty(before);
        Assert.Equal(before, bystanderAfter);
        Assert.False(HasOwnUpstreamSession(gateway, bystander));
    }

    /// <summary>
    /// With two upstreams the lists are merged from both listings, and who listed each resource and prompt is kept, so
    /// a read or a prompt goes to that upstream and opens the session's own session there only.
    /// </summary>
    [Fact]
    public async Task ResourcesAndPromptsOfTwoUpstreams_ListedWithoutOwnSessions_AreMerged_AndAReadGoesToTheUpstreamThatListedIt()
    {
        var everythingMarker = Guid.NewGuid().ToString("N");
        var notesMarker = Guid.NewGuid().ToString("N");
        const string Notes = """
            const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
            const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
            const server = new McpServer({ name: 'notes', version: '1.0.0' });
            server.registerResource('note', 'note://one', {}, async () => ({ contents: [{ uri: 'note://one', text: 'one from notes' }] }));
            server.registerPrompt('note-prompt', {}, async () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'from notes' } }] }));
            server.connect(new StdioServerTransport());
            """;
        var notes = TestUpstreams.NodeScriptStdio("notes", Notes);
        notes["Gateway:Upstreams:notes:Env:GATEWAY_TEST_MARKER"] = notesMarker;
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(TestUpstreams.EverythingStdio("everything", everythingMarker), notes));
        await using var client = await gateway.ConnectAsync(CapableAgent());

        var resources = (await client.ListResourcesAsync()).Select(r => r.Uri).ToList();
        var prompts = (await client.ListPromptsAsync()).Select(p => p.Name).ToList();
        var notesAfterListing = MarkedProcesses.Find(notesMarker).Count;
        var read = await client.ReadResourceAsync("note://one");
        var prompt = await client.GetPromptAsync("note-prompt");

        Assert.Contains("note://one", resources);
        Assert.Contains(resources, uri => uri.StartsWith("demo://", StringComparison.Ordinal));
        Assert.Contains("note-prompt", prompts);
        Assert.Contains("simple-prompt", prompts);
        Assert.Equal(1, notesAfterListing);
        Assert.Equal("one from notes", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text);
        Assert.Equal("from notes", Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text);
        Assert.Equal(2, MarkedProcesses.Find(notesMarker).Count);
        Assert.Single(MarkedProcesses.Find(everythingMarker));
    }

    /// <summary>
    /// A server built on the TypeScript SDK's low-level <c>Server</c> that offers resources but has no handler for
    /// <c>resources/templates/list</c>, so it answers that with method-not-found (-32601), as many servers do.
    /// </summary>
    private const string NoTemplates = """
        const { Server } = require('@modelcontextprotocol/sdk/server/index.js');
        const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
        const types = require('@modelcontextprotocol/sdk/types.js');
        const server = new Server({ name: 'no-templates', version: '1.0.0' }, { capabilities: { resources: {}, tools: {} } });
        server.setRequestHandler(types.ListResourcesRequestSchema, async () => ({ resources: [{ uri: 'note://plain', name: 'plain' }] }));
        server.setRequestHandler(types.ReadResourceRequestSchema, async () => ({ contents: [{ uri: 'note://plain', text: 'plain' }] }));
        server.setRequestHandler(types.ListToolsRequestSchema, async () => ({ tools: [{ name: 'ping', inputSchema: { type: 'object' } }] }));
        server.setRequestHandler(types.CallToolRequestSchema, async () => ({ content: [{ type: 'text', text: 'pong' }] }));
        server.connect(new StdioServerTransport());
        """;

    private static Dictionary<string, string?> NoTemplatesStdio(string marker)
    {
        var settings = TestUpstreams.NodeScriptStdio("plain", NoTemplates);
        settings["Gateway:Upstreams:plain:Env:GATEWAY_TEST_MARKER"] = marker;
        return settings;
    }

    /// <summary>
    /// Before, the gateway's short session warned (1016) that it could not list the templates, and each agent's
    /// <c>resources/templates/list</c> (real clients send it right after <c>initialize</c>) opened the agent's own
    /// session, a process over stdio, only to be told the same method-not-found.
    /// </summary>
    [Fact]
    public async Task UpstreamServingNoTemplates_AgentsListingTemplates_GetItsOwnAnswer_WithoutASessionOfTheirOwn_AndNoWarning()
    {
        var marker = Guid.NewGuid().ToString("N");
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(NoTemplatesStdio(marker), configure: builder => builder.Logging.AddProvider(log));
        var sessions = new List<McpClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                sessions.Add(await gateway.ConnectAsync(CapableAgent()));
            }

            var answers = new List<(McpErrorCode, string)>();
            var resources = new List<string>();
            foreach (var session in sessions)
            {
                answers.Add(await TemplatesErrorAsync(session));
                resources.AddRange((await session.ListResourcesAsync()).Select(r => r.Uri));
            }

            var afterListing = MarkedProcesses.Find(marker).Count;
            var ownSessionsOpened = sessions.Count(s => HasOwnUpstreamSession(gateway, s));

            // The same agent with its own session open (a call opened it) is answered by the upstream itself.
            await using var withOwnSession = await gateway.ConnectAsync(CapableAgent());
            var ping = await withOwnSession.CallToolAsync("ping", new Dictionary<string, object?>());
            var ownAnswer = await TemplatesErrorAsync(withOwnSession);

            Assert.Equal(1, afterListing);
            Assert.Equal(0, ownSessionsOpened);
            Assert.Equal(["note://plain", "note://plain", "note://plain"], resources);
            Assert.NotEqual(true, ping.IsError);
            Assert.Equal(McpErrorCode.MethodNotFound, ownAnswer.Item1);
            Assert.All(answers, answer => Assert.Equal(ownAnswer, answer));
            Assert.DoesNotContain(1016, log.EventIds);
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// With another upstream serving templates, the one that serves none is left out of the merged list, as a down one
    /// is. Before, the agent's own session was opened there, and its method-not-found failed the whole list.
    /// </summary>
    [Fact]
    public async Task UpstreamServingNoTemplates_BesideOneThatDoes_IsLeftOutOfTheMergedList_WithoutASessionOfItsOwn()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(TestUpstreams.EverythingStdio(), NoTemplatesStdio(marker)));
        await using var client = await gateway.ConnectAsync(CapableAgent());

        var templates = await client.ListResourceTemplatesAsync();
        var plainProcesses = MarkedProcesses.Find(marker).Count;

        Assert.NotEmpty(templates);
        Assert.All(templates, t => Assert.StartsWith("demo://", t.UriTemplate, StringComparison.Ordinal));
        Assert.Equal(1, plainProcesses);
    }

    /// <summary>The code and message of the error the agent is answered <c>resources/templates/list</c> with.</summary>
    private static async Task<(McpErrorCode, string)> TemplatesErrorAsync(McpClient client)
    {
        var error = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.ResourcesTemplatesList }));
        return (error.ErrorCode, error.Message);
    }

    /// <summary>Tools, resources, resource templates and prompts as the agent is answered them, as one JSON text.</summary>
    private static async Task<string> ListEverythingAsync(McpClient client)
    {
        var lists = new System.Text.Json.Nodes.JsonObject();
        foreach (var method in (string[])[RequestMethods.ToolsList, RequestMethods.ResourcesList, RequestMethods.ResourcesTemplatesList, RequestMethods.PromptsList])
        {
            lists[method] = (await client.SendRequestAsync(new JsonRpcRequest { Method = method })).Result?.DeepClone();
        }

        return lists.ToJsonString();
    }

    /// <summary>server-everything offers <c>get-roots-list</c> only to clients that declare roots.</summary>
    [Fact]
    public async Task ToolOfferedOnlyToClientsWithRoots_IsListedToAnAgentWithRoots_NotToOneWithout_AndWorksWhenCalled()
    {
        var marker = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.EverythingStdio(marker: marker));
        await using var withRoots = await gateway.ConnectAsync(CapableAgent());
        await using var without = await gateway.ConnectAsync();

        var listedWithRoots = (await withRoots.ListToolsAsync()).Select(t => t.Name).ToList();
        var listedWithout = (await without.ListToolsAsync()).Select(t => t.Name).ToList();
        var afterListing = MarkedProcesses.Find(marker).Count;
        var roots = await withRoots.CallToolAsync("get-roots-list", new Dictionary<string, object?>());

        Assert.Contains("get-roots-list", listedWithRoots);
        Assert.Contains("trigger-sampling-request", listedWithRoots);
        Assert.DoesNotContain("get-roots-list", listedWithout);
        Assert.Contains("echo", listedWithout);
        Assert.Equal(1, afterListing);
        Assert.NotEqual(true, roots.IsError);
        Assert.Contains("file:///srv/agent-root", SessionRelayTests.Text(roots));
    }

    [Fact]
    public async Task ToolListChanged_ReachesAnAgentDeclaringCapabilities_WhoseNextListingHasTheNewTool_WithoutASessionOfItsOwn()
    {
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            McpServerTool.Create((string message) => $"first: {message}", new McpServerToolCreateOptions { Name = "first" }));
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "dynamic"));
        await using var client = await gateway.ConnectAsync(CapableAgent());
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });
        var before = (await client.ListToolsAsync()).Select(t => t.Name).ToList();

        upstream.Tools.Add(McpServerTool.Create((string message) => $"late: {message}", new McpServerToolCreateOptions { Name = "late" }));
        await changed.Task.WaitAsync(Patience);
        var after = (await client.ListToolsAsync()).Select(t => t.Name).Order().ToList();

        Assert.Equal(["first"], before);
        Assert.Equal(["first", "late"], after);
        Assert.False(HasOwnUpstreamSession(gateway, client));
    }

    [Fact]
    public async Task ListingForTheAgentsCapabilitiesFails_TheAgentsOwnSessionListsAsBefore_AndTheFailureIsLogged()
    {
        var refused = 0;
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Filters.Message.IncomingFilters.Add(next => (context, cancellationToken) =>
            {
                // Only the gateway's short session for the agent's capabilities is refused: the first to list declaring
                // them (the catalogue's connection declares none, the agent's own session lists after it).
                if (context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.ToolsList }
                    && context.Server.ClientCapabilities?.Roots is not null && Interlocked.Increment(ref refused) == 1)
                {
                    throw new McpProtocolException("not listing for this client", McpErrorCode.InternalError);
                }

                return next(context, cancellationToken);
            }),
            McpServerTool.Create((string message) => $"first: {message}", new McpServerToolCreateOptions { Name = "first" }));
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Http(upstream.Url, "dynamic"), configure: builder => builder.Logging.AddProvider(log));
        await using var client = await gateway.ConnectAsync(CapableAgent());

        var listed = (await client.ListToolsAsync()).Select(t => t.Name).ToList();

        Assert.Equal(["first"], listed);
        Assert.True(await OwnUpstreamSessionReportedAsync(gateway, client));
        Assert.Contains(1016, log.EventIds);
    }

    [Fact]
    public async Task ResourceListingForTheAgentsCapabilitiesFails_TheAgentsOwnSessionListsThem_AndTheFailureIsLogged()
    {
        var refused = 0;
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options =>
            {
                // Only the gateway's short sessions for the agent's capabilities are refused: the first to list resources,
                // and the second, which the agent's resources/list asks again (an error may be passing); then its own.
                options.Handlers.ListResourcesHandler = (request, _) =>
                    request.Server.ClientCapabilities?.Roots is not null && Interlocked.Increment(ref refused) <= 2
                        ? throw new McpProtocolException("not listing for this client", McpErrorCode.InternalError)
                        : ValueTask.FromResult(new ListResourcesResult { Resources = [new Resource { Uri = "note://one", Name = "note" }] });
                options.Handlers.ReadResourceHandler = (_, _) =>
                    ValueTask.FromResult(new ReadResourceResult { Contents = [new TextResourceContents { Uri = "note://one", Text = "one" }] });
            },
            McpServerTool.Create((string message) => $"first: {message}", new McpServerToolCreateOptions { Name = "first" }));
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Http(upstream.Url, "dynamic"), configure: builder => builder.Logging.AddProvider(log));
        await using var client = await gateway.ConnectAsync(CapableAgent());

        var tools = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        var ownSessionAfterTools = HasOwnUpstreamSession(gateway, client);
        var resources = (await client.ListResourcesAsync()).Select(r => r.Uri).ToList();

        Assert.Equal(["first"], tools);
        Assert.False(ownSessionAfterTools);
        Assert.Equal(["note://one"], resources);
        Assert.True(await OwnUpstreamSessionReportedAsync(gateway, client));
        Assert.Contains(1016, log.EventIds);
    }

    /// <summary>
    /// The gateway's short session fails to list the tools but lists the resources and prompts fine. Before, the failure
    /// cost the whole listing, and every agent session's <c>resources/list</c> and <c>prompts/list</c> opened a session
    /// of its own (a process over stdio) for lists the short session had. Its tools are asked again by the next listing
    /// of them, as before.
    /// </summary>
    [Fact]
    public async Task ToolListingForTheAgentsCapabilitiesFails_ItsResourcesAndPromptsStillAnswerAgents_WithoutSessionsOfTheirOwn()
    {
        var refusing = 1;
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options =>
            {
                // Only sessions declaring the agent's capabilities are refused (the catalogue's connection declares none).
                options.Filters.Message.IncomingFilters.Add(next => (context, cancellationToken) =>
                    context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.ToolsList }
                    && context.Server.ClientCapabilities?.Roots is not null && Volatile.Read(ref refusing) == 1
                        ? throw new McpProtocolException("not listing tools for this client", McpErrorCode.InternalError)
                        : next(context, cancellationToken));
                ServeNoteAndGreet(options, refusePrompts: _ => false);
            },
            McpServerTool.Create((string message) => $"first: {message}", new McpServerToolCreateOptions { Name = "first" }));
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Http(upstream.Url, "dynamic"), configure: builder => builder.Logging.AddProvider(log));
        var sessions = new List<McpClient>();
        try
        {
            var listed = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                var session = await gateway.ConnectAsync(CapableAgent());
                sessions.Add(session);
                listed.AddRange((await session.ListResourcesAsync()).Select(r => r.Uri));
                listed.AddRange((await session.ListPromptsAsync()).Select(p => p.Name));
            }

            var ownSessionsOpened = sessions.Count(s => HasOwnUpstreamSession(gateway, s));
            Volatile.Write(ref refusing, 0);
            var tools = (await sessions[0].ListToolsAsync()).Select(t => t.Name).ToList();

            Assert.Equal(["note://one", "greet", "note://one", "greet", "note://one", "greet"], listed);
            Assert.Equal(0, ownSessionsOpened);
            Assert.Contains(1016, log.EventIds);
            Assert.Equal(["first"], tools);
            Assert.False(HasOwnUpstreamSession(gateway, sessions[0]));
        }
        finally
        {
            foreach (var session in sessions)
            {
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The gateway's short session fails to list the prompts (an error that may be passing, not method-not-found) but
    /// lists tools and resources fine. Before, that failure stood until the upstream said its prompts changed or
    /// reconnected, and every agent session's <c>prompts/list</c> opened a session of its own (a process over stdio). Now
    /// the next agent listing prompts asks again, once for all that ask meanwhile, without listing tools and resources
    /// again.
    /// </summary>
    [Fact]
    public async Task PromptListingForTheAgentsCapabilitiesFailsOnce_TheNextAgentsAskAgainOnce_WithoutSessionsOfTheirOwn()
    {
        var refusing = 1;
        var asked = new ConcurrentDictionary<string, int>();
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options =>
            {
                // Sessions declaring the agent's capabilities are counted (the catalogue's connection declares none).
                options.Filters.Message.IncomingFilters.Add(next => (context, cancellationToken) =>
                {
                    if (context.JsonRpcMessage is JsonRpcRequest request && context.Server.ClientCapabilities?.Roots is not null)
                    {
                        asked.AddOrUpdate(request.Method, 1, (_, n) => n + 1);
                    }

                    return next(context, cancellationToken);
                });
                ServeNoteAndGreet(options, refusePrompts: request =>
                    request.Server.ClientCapabilities?.Roots is not null && Volatile.Read(ref refusing) == 1);
            },
            McpServerTool.Create((string message) => $"first: {message}", new McpServerToolCreateOptions { Name = "first" }));
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Http(upstream.Url, "dynamic"), configure: builder => builder.Logging.AddProvider(log));
        await using var first = await gateway.ConnectAsync(CapableAgent());
        await using var second = await gateway.ConnectAsync(CapableAgent());
        await using var third = await gateway.ConnectAsync(CapableAgent());

        var tools = (await first.ListToolsAsync()).Select(t => t.Name).ToList();
        var resources = (await first.ListResourcesAsync()).Select(r => r.Uri).ToList();
        Volatile.Write(ref refusing, 0);
        var prompts = await Task.WhenAll(second.ListPromptsAsync().AsTask(), third.ListPromptsAsync().AsTask());

        Assert.Equal(["first"], tools);
        Assert.Equal(["note://one"], resources);
        Assert.All(prompts, listed => Assert.Equal(["greet"], listed.Select(p => p.Name)));
        Assert.Contains(1016, log.EventIds);
        Assert.False(HasOwnUpstreamSession(gateway, first));
        Assert.False(HasOwnUpstreamSession(gateway, second));
        Assert.False(HasOwnUpstreamSession(gateway, third));
        Assert.Equal(1, asked.GetValueOrDefault(RequestMethods.ToolsList));
        Assert.Equal(1, asked.GetValueOrDefault(RequestMethods.ResourcesList));
        Assert.Equal(2, asked.GetValueOrDefault(RequestMethods.PromptsList));
    }

    /// <summary>
    /// The gateway's short session asking again for the one list it lacks (prompts) fails as a whole. Before, warning
    /// 1016 named all four lists, as if the tools and resources it still held were lost too.
    /// </summary>
    [Fact]
    public async Task SessionAskingAgainForOneListFails_TheWarningNamesThatListAlone()
    {
        var refusingPrompts = 1;
        var refusingSessions = 0;
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options =>
            {
                // Only sessions declaring the agent's capabilities are refused (the catalogue's connection declares none).
                options.Filters.Message.IncomingFilters.Add(next => (context, cancellationToken) =>
                    context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.Initialize } initialize
                    && initialize.Params?["capabilities"]?["roots"] is not null && Interlocked.Exchange(ref refusingSessions, 0) == 1
                        ? throw new McpProtocolException("not opening a session just now", McpErrorCode.InternalError)
                        : next(context, cancellationToken));
                ServeNoteAndGreet(options, refusePrompts: request =>
                    request.Server.ClientCapabilities?.Roots is not null && Volatile.Read(ref refusingPrompts) == 1);
            },
            McpServerTool.Create((string message) => $"first: {message}", new McpServerToolCreateOptions { Name = "first" }));
        var log = new ErrorLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Http(upstream.Url, "dynamic"), configure: builder => builder.Logging.AddProvider(log));
        await using var first = await gateway.ConnectAsync(CapableAgent());
        await using var second = await gateway.ConnectAsync(CapableAgent());

        var tools = (await first.ListToolsAsync()).Select(t => t.Name).ToList();
        Volatile.Write(ref refusingPrompts, 0);
        Volatile.Write(ref refusingSessions, 1);
        var prompts = (await second.ListPromptsAsync()).Select(p => p.Name).ToList();

        Assert.Equal(["first"], tools);
        Assert.Equal(["greet"], prompts);
        Assert.Equal(0, Volatile.Read(ref refusingSessions));
        var warnings = log.Messages(1016);
        Assert.Equal(2, warnings.Count);
        Assert.Contains("(prompts)", warnings[0], StringComparison.Ordinal);
        Assert.Contains("(prompts)", warnings[1], StringComparison.Ordinal);
        Assert.Contains("not opening a session just now", warnings[1], StringComparison.Ordinal);
    }

    /// <summary>
    /// A server may list tools by who the client says it is. Before, the gateway's short session introduced itself as
    /// the gateway, so an agent was listed what the server lists the gateway, not what its own session would list.
    /// </summary>
    [Fact]
    public Task ServerListingToolsByClientName_ListsEachAgentDeclaringCapabilities_WhatItListsThatClient_WithoutASessionOfItsOwn() =>
        AssertEachAgentIsListedWhatTheServerListsIt(
            offers: client => client is { Name: CapableAgentName, Version: "1.0" },
            "for-capable-agent",
            other: CapableAgent("other-agent"),
            capable: CapableAgent());

    /// <summary>
    /// A server may list by any part of the client's <c>clientInfo</c>, not only its name. Before, the gateway's short
    /// session introduced itself with the name, version and title alone, and kept one listing for clients alike in those:
    /// an agent was listed what the server lists a client without a website, or what it listed another agent's.
    /// </summary>
    [Fact]
    public Task ServerListingToolsByClientWebsite_ListsEachAgentWhatItListsThatClient_WithoutASessionOfItsOwn()
    {
        const string Site = "https://capable.example/agent";
        return AssertEachAgentIsListedWhatTheServerListsIt(
            offers: client => client is { WebsiteUrl: Site, Description: "An agent with a site" },
            "for-site",
            other: CapableAgent(introduce: info => info.WebsiteUrl = "https://other.example/agent"),
            capable: CapableAgent(introduce: info =>
            {
                info.WebsiteUrl = Site;
                info.Description = "An agent with a site";
            }));
    }

    /// <summary>
    /// Two agents with the same capabilities list tools from a server that offers <paramref name="extra"/> only to the
    /// clients <paramref name="offers"/> picks: the other agent's listing, asked first, must not stand in for the
    /// capable one's, and neither opens a session of its own upstream.
    /// </summary>
    private static async Task AssertEachAgentIsListedWhatTheServerListsIt(
        Func<Implementation?, bool> offers, string extra, McpClientOptions other, McpClientOptions capable)
    {
        var offered = McpServerTool.Create(() => "yes", new McpServerToolCreateOptions { Name = extra }).ProtocolTool;
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Handlers.ListToolsHandler = (request, _) => ValueTask.FromResult(new ListToolsResult
            {
                Tools = offers(request.Server.ClientInfo) ? [offered] : [],
            }),
            McpServerTool.Create((string message) => $"first: {message}", new McpServerToolCreateOptions { Name = "first" }));
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "dynamic"));
        await using var otherClient = await gateway.ConnectAsync(other);
        await using var capableClient = await gateway.ConnectAsync(capable);

        var listedToOther = (await otherClient.ListToolsAsync()).Select(t => t.Name).Order().ToList();
        var listedToCapable = (await capableClient.ListToolsAsync()).Select(t => t.Name).Order().ToList();

        Assert.Equal(["first"], listedToOther);
        Assert.Equal(new[] { "first", extra }.Order().ToList(), listedToCapable);
        Assert.False(HasOwnUpstreamSession(gateway, otherClient));
        Assert.False(HasOwnUpstreamSession(gateway, capableClient));
    }

    /// <summary>
    /// Servers that keep one server object per session (the TypeScript SDK's usual setup) say their tools changed only
    /// on the session whose call changed them. Before, another agent shown the listing for its capabilities, with no
    /// session of its own there to hear it, kept the old list.
    /// </summary>
    [Fact]
    public async Task ToolListChangedOnlyOnOneAgentsSession_ReachesAnotherAgentShownTheListingForItsCapabilities_WhoseNextListingHasTheNewTool()
    {
        var added = new ConcurrentBag<Tool>();
        var late = McpServerTool.Create(() => "late", new McpServerToolCreateOptions { Name = "late" }).ProtocolTool;
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Handlers.ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [.. added] }),
            McpServerTool.Create(
                async (McpServer server, CancellationToken cancellationToken) =>
                {
                    added.Add(late);
                    await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken);
                    return "added";
                },
                new McpServerToolCreateOptions { Name = "add_late" }));
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "dynamic"));
        await using var caller = await gateway.ConnectAsync(CapableAgent());
        await using var bystander = await gateway.ConnectAsync(CapableAgent());
        var callerTold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bystanderTold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onCaller = caller.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            callerTold.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await using var onBystander = bystander.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            bystanderTold.TrySetResult();
            return ValueTask.CompletedTask;
        });
        var callerBefore = (await caller.ListToolsAsync()).Select(t => t.Name).ToList();
        var bystanderBefore = (await bystander.ListToolsAsync()).Select(t => t.Name).ToList();

        var call = await caller.CallToolAsync("add_late", new Dictionary<string, object?>());
        await callerTold.Task.WaitAsync(Patience);
        await bystanderTold.Task.WaitAsync(Patience);
        var bystanderAfter = (await bystander.ListToolsAsync()).Select(t => t.Name).Order().ToList();

        Assert.Equal(["add_late"], callerBefore);
        Assert.Equal(["add_late"], bystanderBefore);
        Assert.NotEqual(true, call.IsError);
        Assert.Equal(["add_late", "late"], bystanderAfter);
        Assert.False(HasOwnUpstreamSession(gateway, bystander));
    }

    /// <summary>Whether the agent session has opened a session of its own on an upstream (its link reported a state).</summary>
    /// <summary>
    /// Serves a resource (<c>note://one</c>) and a prompt (<c>greet</c>); <c>prompts/list</c> fails, as an error that may
    /// be passing, while <paramref name="refusePrompts"/> says so.
    /// </summary>
    private static void ServeNoteAndGreet(McpServerOptions options, Func<RequestContext<ListPromptsRequestParams>, bool> refusePrompts)
    {
        options.Handlers.ListResourcesHandler = (_, _) =>
            ValueTask.FromResult(new ListResourcesResult { Resources = [new Resource { Uri = "note://one", Name = "note" }] });
        options.Handlers.ReadResourceHandler = (_, _) =>
            ValueTask.FromResult(new ReadResourceResult { Contents = [new TextResourceContents { Uri = "note://one", Text = "one" }] });
        options.Handlers.ListPromptsHandler = (request, _) => refusePrompts(request)
            ? throw new McpProtocolException("not listing prompts just now", McpErrorCode.InternalError)
            : ValueTask.FromResult(new ListPromptsResult { Prompts = [new Prompt { Name = "greet" }] });
        options.Handlers.GetPromptHandler = (_, _) => ValueTask.FromResult(new GetPromptResult());
    }

    private static bool HasOwnUpstreamSession(GatewayHost gateway, McpClient client) =>
        gateway.Services.GetRequiredService<UpstreamStatusBoard>().Current.Any(s => s.Session == client.SessionId);

    /// <summary>
    /// Whether the agent session's own session on an upstream is reported, waiting for it up to <see cref="Patience"/>:
    /// its link hands the new session to the request that opened it before it reports it, so the agent can have its
    /// answer first.
    /// </summary>
    private static async Task<bool> OwnUpstreamSessionReportedAsync(GatewayHost gateway, McpClient client)
    {
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var reported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(UpstreamStatus status)
        {
            if (status.Session == client.SessionId)
            {
                reported.TrySetResult();
            }
        }

        board.Changed += OnChanged;
        try
        {
            if (HasOwnUpstreamSession(gateway, client))
            {
                return true;
            }

            await reported.Task.WaitAsync(Patience);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            board.Changed -= OnChanged;
        }
    }

    private const string CapableAgentName = "capable-agent";

    /// <summary>A client that declares roots, sampling and elicitation, as Claude, VS Code and Cursor do.</summary>
    private static McpClientOptions CapableAgent(string name = CapableAgentName, Action<Implementation>? introduce = null) => new()
    {
        ProtocolVersion = "2025-11-25",
        ClientInfo = Introduced(new Implementation { Name = name, Version = "1.0" }, introduce),
        Handlers = new McpClientHandlers
        {
            SamplingHandler = (_, _, _) => throw new NotSupportedException("not asked here"),
            ElicitationHandler = (_, _) => throw new NotSupportedException("not asked here"),
            RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult
            {
                Roots = [new Root { Uri = "file:///srv/agent-root", Name = "agent root" }],
            }),
        },
    };

    private static Implementation Introduced(Implementation info, Action<Implementation>? introduce)
    {
        introduce?.Invoke(info);
        return info;
    }

    [Fact]
    public async Task TwoSessionsCallingAtOnce_EachStartOneProcess_OnlyOnTheUpstreamTheyUse()
    {
        var used = Guid.NewGuid().ToString("N");
        var unused = Guid.NewGuid().ToString("N");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.EverythingStdio("used", used),
            TestUpstreams.EverythingStdio("unused", unused),
            new Dictionary<string, string?>
            {
                ["Gateway:Upstreams:used:ToolPrefix"] = "a_",
                ["Gateway:Upstreams:unused:ToolPrefix"] = "b_",
            }));
        await using var one = await gateway.ConnectAsync();
        await using var two = await gateway.ConnectAsync();

        // Two calls at once in each session: each session's first use of the upstream starts it once.
        var calls = await Task.WhenAll(
            from client in new[] { one, two }
            from message in new[] { "x", "y" }
            select client.CallToolAsync("a_echo", new Dictionary<string, object?> { ["message"] = message }).AsTask());

        Assert.All(calls, c => Assert.NotEqual(true, c.IsError));
        Assert.Equal(3, MarkedProcesses.Find(used).Count);
        Assert.Single(MarkedProcesses.Find(unused));
    }

    [Fact]
    public async Task FirstCallToAnUpstreamThatWentDown_GetsTheReason_AndWorksOnceItIsBack()
    {
        var closed = Path.Combine(Path.GetTempPath(), $"gateway-test-closed-{Guid.NewGuid():N}");
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.ClosableStdio(closed));
        await using var client = await gateway.ConnectAsync();
        var board = gateway.Services.GetRequiredService<UpstreamStatusBoard>();
        var up = UpstreamFailureTests.WaitForAsync(board, client.SessionId!, connected: true);
        try
        {
            // Up for the gateway's own connection and when the agent lists its tools, down by the time the session
            // first needs it. Before, the session's own process was started with it and the call was answered.
            Assert.Contains(await client.ListToolsAsync(), t => t.Name == "hello");
            await File.WriteAllTextAsync(closed, "");
            var whileDown = await client.CallToolAsync("hello");
            File.Delete(closed);
            await up.WaitAsync(Patience);
            var onceBack = await client.CallToolAsync("hello");

            Assert.True(whileDown.IsError);
            Assert.Equal("upstream_failed", (string?)Refusals.Of(whileDown)["decision"]);
            Assert.Matches(@"^Upstream 'flaky'.*exited with code 3.*closed for maintenance.*Retrying in 1 s\.$", SessionRelayTests.Text(whileDown));
            Assert.Equal("hi", SessionRelayTests.Text(onceBack));
        }
        finally
        {
            File.Delete(closed);
        }
    }
}
