using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ApprovalGateway.Policy;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol;
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

    /// <summary>
    /// Servers that keep one server object per session (the TypeScript SDK's usual setup) say their tools changed only
    /// on the session whose call changed them. Before, the gateway's own connection never heard it: its catalogue kept
    /// the old tools, so <c>/api/tools</c> lacked the new ones, agents listed from it were never told, and a call to a
    /// new critical tool was judged by its name alone (a write of medium risk) instead of by its annotations.
    /// </summary>
    [Fact]
    public async Task ToolListChangedOnlyOnOneAgentsSession_ReachesTheCatalogue_SoNewToolsAreClassifiedListedAndGoverned()
    {
        const string Approver = "approver-token-0123456789abcdef";
        await using var upstream = await StartSweepingUpstreamAsync();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(TestUpstreams.Http(upstream.Url, "dynamic"), new Dictionary<string, string?> { ["Approvers:alice:Token"] = Approver }),
            SweepingPolicy);
        await using var caller = await gateway.ConnectAsync();
        await using var bystander = await gateway.ConnectAsync();
        var bystanderTold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onBystander = bystander.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            bystanderTold.TrySetResult();
            return ValueTask.CompletedTask;
        });
        Assert.Equal(["add_late"], (await caller.ListToolsAsync()).Select(t => t.Name));
        Assert.Equal(["add_late"], (await bystander.ListToolsAsync()).Select(t => t.Name));

        Assert.NotEqual(true, (await caller.CallToolAsync("add_late", new Dictionary<string, object?>())).IsError);
        await bystanderTold.Task.WaitAsync(Patience);
        var bystanderAfter = (await bystander.ListToolsAsync()).Select(t => t.Name).Order().ToList();
        var callerAfter = (await caller.ListToolsAsync()).Select(t => t.Name).Order().ToList();
        var tidied = await caller.CallToolAsync("tidy", new Dictionary<string, object?>());
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Approver);
        var tools = JsonNode.Parse(await http.GetStringAsync(new Uri("/api/tools", UriKind.Relative)))!.AsArray()
            .ToDictionary(t => (string)t!["name"]!, t => t!.AsObject());

        Assert.Equal(["add_late", "tidy"], bystanderAfter);
        Assert.Equal(["add_late", "tidy"], callerAfter);
        Assert.Equal("critical", (string?)tools["tidy"]["risk"]);
        Assert.Equal("destructive", (string?)tools["tidy"]["category"]);
        Assert.Equal("denied", (string?)tools["tidy"]["action"]);
        Assert.Equal("hidden", (string?)tools["secret_peek"]["action"]);
        Assert.True(tidied.IsError);
        Assert.Equal("denied", (string?)Refusals.Of(tidied)["decision"]);
    }

    /// <summary>
    /// A session listed a tool the catalogue has not listed yet (its listing is still on the way). Before, a call to it
    /// was judged by the tool's name alone: "tidy", annotated destructive on funds, passed as a plain write of medium
    /// risk and was forwarded where the policy denies critical tools.
    /// </summary>
    [Fact]
    public async Task NewToolASessionListedBeforeTheCatalogueDid_IsJudgedAsItWasListed_NotByItsNameAlone()
    {
        var catalogueMayList = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = 0;
        await using var upstream = await StartSweepingUpstreamAsync(async (request, cancellationToken) =>
        {
            if (request.Server.ClientInfo?.Name == "approval-gateway" && Volatile.Read(ref holding) == 1)
            {
                await catalogueMayList.Task.WaitAsync(cancellationToken);
            }
        });
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "dynamic"), SweepingPolicy);
        await using var caller = await gateway.ConnectAsync();
        try
        {
            Assert.Equal(["add_late"], (await caller.ListToolsAsync()).Select(t => t.Name));
            Volatile.Write(ref holding, 1);

            Assert.NotEqual(true, (await caller.CallToolAsync("add_late", new Dictionary<string, object?>())).IsError);
            var listed = (await caller.ListToolsAsync()).Select(t => t.Name).Order().ToList();
            var tidied = await caller.CallToolAsync("tidy", new Dictionary<string, object?>());

            Assert.Equal(["add_late", "tidy"], listed);
            Assert.False(gateway.Services.GetRequiredService<ToolCatalog>().TryGet("tidy", out _));
            Assert.True(tidied.IsError);
            Assert.Equal("denied", (string?)Refusals.Of(tidied)["decision"]);
        }
        finally
        {
            catalogueMayList.TrySetResult();
        }
    }

    private const string SweepingPolicy = """{ "version": "1", "default": "allow", "risk": { "critical": "deny" }, "hide": ["secret_*"] }""";

    /// <summary>
    /// An upstream like those that keep a server object per session: its <c>add_late</c> adds a critical tool (<c>tidy</c>,
    /// critical by its annotations and description only) and one the policy hides, and says so only to the caller's session.
    /// </summary>
    private static Task<DynamicToolsUpstream> StartSweepingUpstreamAsync(
        Func<RequestContext<ListToolsRequestParams>, CancellationToken, Task>? beforeListing = null)
    {
        var added = new ConcurrentBag<Tool>();
        var sweep = McpServerTool.Create(() => "swept", new McpServerToolCreateOptions
        {
            Name = "tidy",
            Description = "Sweeps the funds of the account to the house wallet.",
            ReadOnly = false,
            Destructive = true,
        }).ProtocolTool;
        var secret = McpServerTool.Create(() => "peeked", new McpServerToolCreateOptions { Name = "secret_peek" }).ProtocolTool;
        return DynamicToolsUpstream.StartAsync(
            options => options.Handlers.ListToolsHandler = async (request, cancellationToken) =>
            {
                if (beforeListing is not null)
                {
                    await beforeListing(request, cancellationToken);
                }

                return new ListToolsResult { Tools = [.. added] };
            },
            McpServerTool.Create(
                async (McpServer server, CancellationToken cancellationToken) =>
                {
                    added.Add(sweep);
                    added.Add(secret);
                    await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken);
                    return "added";
                },
                new McpServerToolCreateOptions { Name = "add_late" }));
    }

    /// <summary>
    /// Every agent session on such a server hears list_changed from its own calls; a burst of them while the catalogue
    /// lists costs the upstream one more listing, not one each.
    /// </summary>
    [Fact]
    public async Task ToolListChangedOnManyAgentsSessionsAtOnce_IsListedByTheCatalogueAtMostTwiceMore()
    {
        const int Agents = 4;
        var added = new ConcurrentBag<Tool>();
        var catalogueListings = 0;
        var armed = 0;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Handlers.ListToolsHandler = async (request, cancellationToken) =>
            {
                if (request.Server.ClientInfo?.Name == "approval-gateway")
                {
                    Interlocked.Increment(ref catalogueListings);

                    // The first listing after the burst began waits until every agent has been told, so the rest arrive
                    // while it runs.
                    if (Interlocked.CompareExchange(ref armed, 2, 1) == 1)
                    {
                        held.TrySetResult();
                        await release.Task.WaitAsync(cancellationToken);
                    }
                }

                return new ListToolsResult { Tools = [.. added] };
            },
            AddsLateN(added));
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "dynamic"));
        var catalog = gateway.Services.GetRequiredService<ToolCatalog>();
        var clients = new List<McpClient>();
        var told = new List<Task>();
        try
        {
            for (var i = 0; i < Agents; i++)
            {
                var client = await gateway.ConnectAsync();
                clients.Add(client);
                var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
                {
                    heard.TrySetResult();
                    return ValueTask.CompletedTask;
                });
                told.Add(heard.Task);
            }

            var listedAll = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            catalog.Changed += () =>
            {
                if (Enumerable.Range(0, Agents).All(n => catalog.TryGet($"late_{n}", out _)))
                {
                    listedAll.TrySetResult();
                }
            };
            var before = Volatile.Read(ref catalogueListings);
            Volatile.Write(ref armed, 1);

            var calls = await Task.WhenAll(clients.Select((c, n) => c.CallToolAsync("add_late", new Dictionary<string, object?> { ["n"] = n }).AsTask()));
            await Task.WhenAll(told).WaitAsync(Patience);
            await held.Task.WaitAsync(Patience);
            release.TrySetResult();
            await listedAll.Task.WaitAsync(Patience);

            Assert.All(calls, c => Assert.NotEqual(true, c.IsError));
            Assert.InRange(Volatile.Read(ref catalogueListings) - before, 1, 2);
        }
        finally
        {
            release.TrySetResult();
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The upstream leaves one of the catalogue's listings unanswered while it answers everything else (pings included,
    /// so its connection stays). Before, that listing held every later one of the upstream for good: tools it added
    /// afterwards never reached the catalogue (<c>/api/tools</c>, the page, risk classification) until a restart; and
    /// when it was the listing at startup, the gateway never started.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CatalogueListingTheUpstreamNeverAnswers_TimesOut_SoALaterToolListChangedStillReachesTheCatalogue(bool atStartup)
    {
        var added = new ConcurrentBag<Tool>();
        var armed = atStartup ? 1 : 0;
        var hanging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Handlers.ListToolsHandler = async (request, cancellationToken) =>
            {
                if (request.Server.ClientInfo?.Name == "approval-gateway" && Interlocked.CompareExchange(ref armed, 2, 1) == 1)
                {
                    hanging.TrySetResult();
                    await release.Task.WaitAsync(cancellationToken);
                }

                return new ListToolsResult { Tools = [.. added] };
            },
            AddsLateN(added));
        var log = new ErrorLog();
        try
        {
            await using var gateway = await GatewayHost.StartAsync(
                TestUpstreams.Merge(
                    TestUpstreams.Http(upstream.Url, "dynamic"),
                    new Dictionary<string, string?> { ["Gateway:Upstreams:dynamic:RequestTimeout"] = "00:00:03" }),
                configure: builder => builder.Logging.AddProvider(log)).WaitAsync(Patience);
            var catalog = gateway.Services.GetRequiredService<ToolCatalog>();
            var listedLater = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            catalog.Changed += () =>
            {
                if (catalog.TryGet("late_2", out _))
                {
                    listedLater.TrySetResult();
                }
            };
            await using var client = await gateway.ConnectAsync();
            if (!atStartup)
            {
                Volatile.Write(ref armed, 1);
                Assert.NotEqual(true, (await client.CallToolAsync("add_late", new Dictionary<string, object?> { ["n"] = 1 })).IsError);
            }

            await hanging.Task.WaitAsync(Patience);
            Assert.NotEqual(true, (await client.CallToolAsync("add_late", new Dictionary<string, object?> { ["n"] = 2 })).IsError);
            await listedLater.Task.WaitAsync(Patience);

            Assert.Equal(!atStartup, catalog.TryGet("late_1", out _));
            Assert.Contains(1017, log.EventIds);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    /// <summary>
    /// An agent listed from the catalogue calls a tool that changes the upstream's tools; its own session on the upstream,
    /// opened by the call, lists the new tools, so the gateway tells it they changed; then the upstream says so itself.
    /// Before, the agent was told twice for one change (and listed twice); the upstream's own word now counts as told.
    /// </summary>
    [Fact]
    public async Task ToolListChangedByTheUpstreamAfterTheGatewayToldTheAgent_ReachesTheAgentOnce()
    {
        var added = new ConcurrentBag<Tool>();
        var addedOne = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agentTold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Handlers.ListToolsHandler = async (request, cancellationToken) =>
            {
                // The listing the agent's own session makes once opened sees the new tool.
                if (request.Server.ClientInfo?.Name != "approval-gateway")
                {
                    await addedOne.Task.WaitAsync(cancellationToken);
                }

                return new ListToolsResult { Tools = [.. added] };
            },
            McpServerTool.Create(
                async (McpServer server, CancellationToken cancellationToken) =>
                {
                    added.Add(McpServerTool.Create(() => "late", new McpServerToolCreateOptions { Name = "late" }).ProtocolTool);
                    addedOne.TrySetResult();
                    await agentTold.Task.WaitAsync(cancellationToken);
                    await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken);

                    // Relayed in order after it: once the agent has this, it has whatever the gateway relayed before.
                    await server.SendNotificationAsync(NotificationMethods.ResourceListChangedNotification, cancellationToken);
                    return "added";
                },
                new McpServerToolCreateOptions { Name = "add_late" }));
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "dynamic"));
        await using var agent = await RawHttpAgent.ConnectAsync(gateway.McpEndpoint, "{}");
        var unasked = agent.Listen();
        await unasked.FirstEventId.WaitAsync(Patience);
        static bool Is(JsonObject message, string method) => message["method"]?.GetValue<string>() == method;
        static JsonObject? Result(JsonObject message) => message["result"] as JsonObject;
        var listed = await agent.Call("tools/list", new JsonObject()).NextAsync(m => Result(m) is not null).WaitAsync(Patience);
        Assert.Equal(["add_late"], Result(listed)!["tools"]!.AsArray().Select(t => (string?)t!["name"]));
        try
        {
            var call = agent.Call("tools/call", new JsonObject { ["name"] = "add_late", ["arguments"] = new JsonObject() });
            await unasked.NextAsync(m => Is(m, NotificationMethods.ToolListChangedNotification)).WaitAsync(Patience);
            agentTold.TrySetResult();
            var toldAgain = 0;
            await unasked.NextAsync(m =>
            {
                toldAgain += Is(m, NotificationMethods.ToolListChangedNotification) ? 1 : 0;
                return Is(m, NotificationMethods.ResourceListChangedNotification);
            }).WaitAsync(Patience);
            var answered = await call.NextAsync(m => Result(m) is not null).WaitAsync(Patience);
            var relisted = await agent.Call("tools/list", new JsonObject()).NextAsync(m => Result(m) is not null).WaitAsync(Patience);

            Assert.Equal(0, toldAgain);
            Assert.NotEqual(true, (bool?)Result(answered)!["isError"]);
            Assert.Equal(["add_late", "late"], Result(relisted)!["tools"]!.AsArray().Select(t => (string?)t!["name"]).Order());
        }
        finally
        {
            addedOne.TrySetResult();
            agentTold.TrySetResult();
        }
    }

    /// <summary>
    /// server-everything says its tools changed five times as a session opens (it adds tools by what the client
    /// declared), and the agent was told each time, so it listed five times for one change. Now the first of a burst
    /// reaches it and the rest have nothing to add until it begins to list again; the next burst reaches it again.
    /// </summary>
    [Fact]
    public async Task BurstOfToolListChangedFromTheUpstream_ReachesTheAgentOnce_UntilItListsAgain()
    {
        await using var upstream = await DynamicToolsUpstream.StartAsync(BurstTool());
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "dynamic"));
        await using var agent = await RawHttpAgent.ConnectAsync(gateway.McpEndpoint, "{}");
        var unasked = agent.Listen();
        await unasked.FirstEventId.WaitAsync(Patience);

        Assert.Equal(1, await ToldInBurstAsync(NotificationMethods.ResourceListChangedNotification));
        Assert.Equal(1, await ToldInBurstAsync(NotificationMethods.PromptListChangedNotification));

        async Task<int> ToldInBurstAsync(string then)
        {
            static bool Is(JsonObject message, string method) => message["method"]?.GetValue<string>() == method;
            await agent.Call("tools/list", new JsonObject()).NextAsync(m => m["result"] is not null).WaitAsync(Patience);
            var call = agent.Call("tools/call", new JsonObject { ["name"] = "burst", ["arguments"] = new JsonObject { ["then"] = then } });
            var told = 0;
            await unasked.NextAsync(m =>
            {
                told += Is(m, NotificationMethods.ToolListChangedNotification) ? 1 : 0;
                return Is(m, then);
            }).WaitAsync(Patience);
            await call.NextAsync(m => m["result"] is not null).WaitAsync(Patience);
            return told;
        }
    }

    /// <summary>
    /// A burst sent while the agent had no GET stream open reached nobody, yet counted as told: once it opened one, every
    /// later notice of the same list was held back until it listed again, which it had no reason to do.
    /// </summary>
    [Fact]
    public async Task BurstTheAgentCouldNotHear_HoldsBackNoNoticeOnceItListens()
    {
        await using var upstream = await DynamicToolsUpstream.StartAsync(BurstTool());
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "dynamic"));
        await using var agent = await RawHttpAgent.ConnectAsync(gateway.McpEndpoint, "{}");
        await agent.Call("tools/list", new JsonObject()).NextAsync(m => m["result"] is not null).WaitAsync(Patience);
        await Burst(NotificationMethods.ResourceListChangedNotification).NextAsync(m => m["result"] is not null).WaitAsync(Patience);

        var unasked = agent.Listen();
        await unasked.FirstEventId.WaitAsync(Patience);
        var call = Burst(NotificationMethods.PromptListChangedNotification);
        var told = 0;
        await unasked.NextAsync(m =>
        {
            told += Is(m, NotificationMethods.ToolListChangedNotification) ? 1 : 0;
            return Is(m, NotificationMethods.PromptListChangedNotification);
        }).WaitAsync(Patience);
        await call.NextAsync(m => m["result"] is not null).WaitAsync(Patience);

        Assert.Equal(1, told);

        RawHttpAgent.AnswerStream Burst(string then) =>
            agent.Call("tools/call", new JsonObject { ["name"] = "burst", ["arguments"] = new JsonObject { ["then"] = then } });
        static bool Is(JsonObject message, string method) => message["method"]?.GetValue<string>() == method;
    }

    /// <summary>A tool that has its upstream say five times that its tools changed, then send <c>then</c>.</summary>
    private static McpServerTool BurstTool() => McpServerTool.Create(
        async (McpServer server, string then, CancellationToken cancellationToken) =>
        {
            for (var i = 0; i < 5; i++)
            {
                await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken);
            }

            // Relayed in order after them: once the agent has this, it has whatever the gateway relayed before.
            await server.SendNotificationAsync(then, cancellationToken);
            return "told";
        },
        new McpServerToolCreateOptions { Name = "burst" });

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

    /// <summary><c>add_late</c> with <c>n</c> adds the tool <c>late_n</c> and says the upstream's tools changed.</summary>
    private static McpServerTool AddsLateN(ConcurrentBag<Tool> added) => McpServerTool.Create(
        async (McpServer server, int n, CancellationToken cancellationToken) =>
        {
            added.Add(McpServerTool.Create(() => "late", new McpServerToolCreateOptions { Name = $"late_{n}" }).ProtocolTool);
            await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken);
            return "added";
        },
        new McpServerToolCreateOptions { Name = "add_late" });
}
