using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// An agent is answered <c>resources/list</c>, <c>resources/templates/list</c> and <c>prompts/list</c> from the gateway's
/// own short listing session until it has a session of its own upstream; once that opens (or opens again after a
/// restart) its requests go there. Before, an agent whose own session then listed other resources or prompts (a server
/// that lists per session, or came back with others) kept its stale list with no word, as only tools were compared.
/// </summary>
public sealed class ListChangedOnOwnSessionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ResourcesListedFromTheListing_WhenTheAgentsOwnSessionListsOthers_AreSaidToHaveChanged_Once()
    {
        var agentTold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lists = new ChangingLists(async (server, cancellationToken) =>
        {
            // The upstream's own word on the change the gateway told the agent of, then a mark: once the agent has that,
            // it has whatever the gateway relayed before.
            await agentTold.Task.WaitAsync(cancellationToken);
            await server.SendNotificationAsync(NotificationMethods.ResourceListChangedNotification, cancellationToken);
            await server.SendNotificationAsync(NotificationMethods.PromptListChangedNotification, cancellationToken);
        });
        await using var session = await AgentSession.StartAsync(lists);
        var (agent, unasked) = (session.Agent, session.Unasked);
        var listed = await ListAsync(agent, "resources/list", "resources", "uri");
        lists.ResourcesChanged = true;
        try
        {
            var call = agent.Call("tools/call", new JsonObject { ["name"] = "open", ["arguments"] = new JsonObject() });
            await unasked.NextAsync(m => Is(m, NotificationMethods.ResourceListChangedNotification)).WaitAsync(Patience);
            agentTold.TrySetResult();
            var toldAgain = 0;
            await unasked.NextAsync(m =>
            {
                toldAgain += Is(m, NotificationMethods.ResourceListChangedNotification) ? 1 : 0;
                return Is(m, NotificationMethods.PromptListChangedNotification);
            }).WaitAsync(Patience);
            var answered = await call.NextAsync(m => m["result"] is JsonObject).WaitAsync(Patience);
            var relisted = await ListAsync(agent, "resources/list", "resources", "uri");

            Assert.Equal(["note://a"], listed);
            Assert.Equal(0, toldAgain);
            Assert.NotEqual(true, (bool?)answered["result"]!["isError"]);
            Assert.Equal(["note://a", "note://b"], relisted);
        }
        finally
        {
            agentTold.TrySetResult();
        }
    }

    /// <summary>
    /// The agent listed resources, templates and prompts; its own session lists the same resources and templates, and
    /// other prompts. It is told of the prompts alone: the gateway compares resources, templates and prompts in that
    /// order and tells in that order, so a word on resources would have come first.
    /// </summary>
    [Fact]
    public async Task ListsTheAgentsOwnSessionListsAlike_AreNotSaidToHaveChanged_ThoseItListsOtherwiseAre()
    {
        var lists = new ChangingLists();
        await using var session = await AgentSession.StartAsync(lists);
        var (agent, unasked) = (session.Agent, session.Unasked);
        await ListAsync(agent, "resources/list", "resources", "uri");
        await ListAsync(agent, "resources/templates/list", "resourceTemplates", "uriTemplate");
        var prompts = await ListAsync(agent, "prompts/list", "prompts", "name");
        lists.PromptsChanged = true;

        var told = await NotificationsUntilPromptsChangedAsync(agent, unasked);
        var relisted = await ListAsync(agent, "prompts/list", "prompts", "name");

        Assert.Equal(["p"], prompts);
        Assert.Equal([NotificationMethods.PromptListChangedNotification], told);
        Assert.Equal(["p", "q"], relisted);
        Assert.Equal(1, lists.AskedOnOwnSession("resources/list"));
        Assert.Equal(1, lists.AskedOnOwnSession("resources/templates/list"));
    }

    /// <summary>
    /// An agent that listed prompts but never resources: its own session is not asked for resources (real clients that
    /// never use them should not cost a listing per session opened), and it is told nothing of them, though they changed.
    /// </summary>
    [Fact]
    public async Task AgentThatNeverListedResources_IsToldOnlyOfThePromptsItListed_AndItsOwnSessionIsNotAskedForResources()
    {
        var lists = new ChangingLists();
        await using var session = await AgentSession.StartAsync(lists);
        var (agent, unasked) = (session.Agent, session.Unasked);
        await ListAsync(agent, "prompts/list", "prompts", "name");
        lists.ResourcesChanged = true;
        lists.PromptsChanged = true;

        var told = await NotificationsUntilPromptsChangedAsync(agent, unasked);

        Assert.Equal([NotificationMethods.PromptListChangedNotification], told);
        Assert.Equal(0, lists.AskedOnOwnSession("resources/list"));
        Assert.Equal(0, lists.AskedOnOwnSession("resources/templates/list"));
        Assert.Equal(1, lists.AskedOnOwnSession("prompts/list"));
    }

    /// <summary>
    /// Lists the resources its file names when asked; <c>crash</c> ends its process, which the gateway restarts. Without
    /// the file it does not start (exit code 3).
    /// </summary>
    private const string RestartingServer = """
        const fs = require('node:fs');
        if (!fs.existsSync(process.env.RESOURCES_FILE)) process.exit(3);
        const { Server } = require('@modelcontextprotocol/sdk/server/index.js');
        const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
        const types = require('@modelcontextprotocol/sdk/types.js');
        const server = new Server({ name: 'restarting', version: '1.0.0' }, { capabilities: { resources: {}, tools: {} } });
        server.setRequestHandler(types.ListResourcesRequestSchema, async () => ({
          resources: fs.readFileSync(process.env.RESOURCES_FILE, 'utf8').split(',').map(uri => ({ uri, name: uri })) }));
        server.setRequestHandler(types.ListToolsRequestSchema, async () => ({ tools: [
          { name: 'hello', inputSchema: { type: 'object' } }, { name: 'crash', inputSchema: { type: 'object' } }] }));
        server.setRequestHandler(types.CallToolRequestSchema, async (r) => {
          if (r.params.name === 'crash') setTimeout(() => process.exit(1), 10);
          return { content: [{ type: 'text', text: r.params.name }] };
        });
        server.connect(new StdioServerTransport());
        """;

    /// <summary>
    /// The agent listed resources through its own session; the upstream's process ends and comes back listing others,
    /// saying nothing (to a new session nothing changed). Before, the agent kept the list of the process that was gone.
    /// </summary>
    [Fact]
    public async Task ResourcesListedBeforeTheUpstreamRestarted_WhenTheNewSessionListsOthers_AreSaidToHaveChanged()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "note://a");
            await using var gateway = await GatewayHost.StartAsync(Restarting("restarting", file));
            await using var client = await gateway.ConnectAsync();
            var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var onChanged = client.RegisterNotificationHandler(NotificationMethods.ResourceListChangedNotification, (_, _) =>
            {
                told.TrySetResult();
                return ValueTask.CompletedTask;
            });
            var opened = await client.CallToolAsync("restarting_hello");
            Assert.NotEqual(true, opened.IsError);
            var listed = (await client.ListResourcesAsync()).Select(r => r.Uri).ToList();
            await File.WriteAllTextAsync(file, "note://a,note://b");

            await client.CallToolAsync("restarting_crash");
            await told.Task.WaitAsync(Patience);
            var relisted = (await client.ListResourcesAsync()).Select(r => r.Uri).Order().ToList();

            Assert.Equal(["note://a"], listed);
            Assert.Equal(["note://a", "note://b"], relisted);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Of two upstreams, one is down when the agent lists resources, and the agent is listed the other's. Before, nothing
    /// told it when the first came back with resources of its own; its session there, back, lists them, so it is told.
    /// </summary>
    [Fact]
    public async Task UpstreamDownWhenResourcesWereListed_WhenItComesBackListingSome_IsSaidToHaveChanged()
    {
        var otherFile = Path.GetTempFileName();
        var notesFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(otherFile, "other://x");
            await File.WriteAllTextAsync(notesFile, "note://one");
            await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(Restarting("other", otherFile), Restarting("notes", notesFile)));
            await using var client = await gateway.ConnectAsync();
            var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var onChanged = client.RegisterNotificationHandler(NotificationMethods.ResourceListChangedNotification, (_, _) =>
            {
                told.TrySetResult();
                return ValueTask.CompletedTask;
            });

            // Up for the gateway's own connection, down for every session opened from now on.
            File.Delete(notesFile);
            var whileDown = (await client.ListResourcesAsync()).Select(r => r.Uri).ToList();
            await File.WriteAllTextAsync(notesFile, "note://one");
            await told.Task.WaitAsync(Patience);
            var onceBack = (await client.ListResourcesAsync()).Select(r => r.Uri).Order().ToList();

            Assert.Equal(["other://x"], whileDown);
            Assert.Equal(["note://one", "other://x"], onceBack);
        }
        finally
        {
            File.Delete(otherFile);
            File.Delete(notesFile);
        }
    }

    /// <summary>
    /// Lists the prompts its file names, and offers prompts at all only if it names some as it starts. Without the file it
    /// does not start (exit code 3).
    /// </summary>
    private const string PromptingServer = """
        const fs = require('node:fs');
        if (!fs.existsSync(process.env.PROMPTS_FILE)) process.exit(3);
        const prompts = fs.readFileSync(process.env.PROMPTS_FILE, 'utf8').split(',').filter(name => name);
        const { Server } = require('@modelcontextprotocol/sdk/server/index.js');
        const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
        const types = require('@modelcontextprotocol/sdk/types.js');
        const server = new Server({ name: 'prompting', version: '1.0.0' }, { capabilities: prompts.length ? { tools: {}, prompts: {} } : { tools: {} } });
        server.setRequestHandler(types.ListToolsRequestSchema, async () => ({ tools: [{ name: 'hello', inputSchema: { type: 'object' } }] }));
        if (prompts.length) server.setRequestHandler(types.ListPromptsRequestSchema, async () => ({ prompts: prompts.map(name => ({ name })) }));
        server.connect(new StdioServerTransport());
        """;

    /// <summary>
    /// Of two upstreams, one offers no prompts until it restarts offering some, while the agent had listed the other's.
    /// Before, nothing told the agent: the upstream's new session, to which nothing changed, says nothing, and the gateway
    /// compared only the lists an upstream had listed the agent, which this one never had.
    /// </summary>
    [Fact]
    public async Task UpstreamRestartingWithPromptsItDidNotOffer_TheAgentIsToldPromptsChanged_AndListsThem()
    {
        var otherFile = Path.GetTempFileName();
        var lateFile = Path.GetTempFileName();
        var marker = Guid.NewGuid().ToString("N");
        try
        {
            await File.WriteAllTextAsync(otherFile, "greet");
            var settings = TestUpstreams.Merge(Prompting("other", otherFile), Prompting("late", lateFile));
            settings["Gateway:Upstreams:late:Env:GATEWAY_TEST_MARKER"] = marker;
            await using var gateway = await GatewayHost.StartAsync(settings);
            await using var client = await gateway.ConnectAsync();
            var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var onChanged = client.RegisterNotificationHandler(NotificationMethods.PromptListChangedNotification, (_, _) =>
            {
                told.TrySetResult();
                return ValueTask.CompletedTask;
            });
            var before = (await client.ListPromptsAsync()).Select(p => p.Name).ToList();

            await File.WriteAllTextAsync(lateFile, "welcome");
            var killed = MarkedProcesses.KillAll(marker);
            await told.Task.WaitAsync(Patience);
            var after = (await client.ListPromptsAsync()).Select(p => p.Name).Order().ToList();

            Assert.Equal(["greet"], before);
            Assert.NotEqual(0, killed);
            Assert.Equal(["greet", "welcome"], after);
        }
        finally
        {
            File.Delete(otherFile);
            File.Delete(lateFile);
        }
    }

    /// <summary>
    /// Of two upstreams, one is down when the gateway starts and comes up after the agent listed the other's prompts. The
    /// agent's listing tried its session there, which comes up with the upstream, lists them and tells the agent; told
    /// as well when the gateway's own connection first reaches it, the agent would list again before its session there
    /// is back (seeing no new prompts), and be told a second time.
    /// </summary>
    [Fact]
    public async Task UpstreamDownAtStartup_ComingUpWithPrompts_TheAgentThatListedIsToldOnce_AndListsThem()
    {
        var otherFile = Path.GetTempFileName();
        var lateFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(otherFile, "greet");
            File.Delete(lateFile);
            await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(Prompting("other", otherFile), Prompting("late", lateFile)));
            await using var client = await gateway.ConnectAsync();
            var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var times = 0;
            await using var onChanged = client.RegisterNotificationHandler(NotificationMethods.PromptListChangedNotification, (_, _) =>
            {
                Interlocked.Increment(ref times);
                told.TrySetResult();
                return ValueTask.CompletedTask;
            });
            var before = (await client.ListPromptsAsync()).Select(p => p.Name).ToList();

            await File.WriteAllTextAsync(lateFile, "welcome");
            await told.Task.WaitAsync(Patience);
            var after = (await client.ListPromptsAsync()).Select(p => p.Name).Order().ToList();

            Assert.Equal(["greet"], before);
            Assert.Equal(["greet", "welcome"], after);
            Assert.Equal(1, Volatile.Read(ref times));
        }
        finally
        {
            File.Delete(otherFile);
            File.Delete(lateFile);
        }
    }

    /// <summary>
    /// Offers its one tool, <c>hello</c>, only if its file says <c>tools</c> as it starts; prompts always.
    /// </summary>
    private const string ToolingServer = """
        const fs = require('node:fs');
        const tools = fs.readFileSync(process.env.TOOLS_FILE, 'utf8').trim() === 'tools';
        const { Server } = require('@modelcontextprotocol/sdk/server/index.js');
        const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
        const types = require('@modelcontextprotocol/sdk/types.js');
        const server = new Server({ name: 'tooling', version: '1.0.0' }, { capabilities: tools ? { tools: {}, prompts: {} } : { prompts: {} } });
        if (tools) server.setRequestHandler(types.ListToolsRequestSchema, async () => ({ tools: [{ name: 'hello', inputSchema: { type: 'object' } }] }));
        server.setRequestHandler(types.ListPromptsRequestSchema, async () => ({ prompts: [] }));
        server.connect(new StdioServerTransport());
        """;

    /// <summary>
    /// Of two upstreams, one restarts offering no tools at all. Before, the gateway's catalogue kept the tools it had
    /// listed (on <c>/api/tools</c>, the page, to the policy) and agents that had listed them were never told; they are
    /// told once, and list the other upstream's tools alone.
    /// </summary>
    [Fact]
    public async Task UpstreamRestartingWithoutTools_ItsToolsLeaveTheCatalogue_AndTheAgentIsToldToolsChanged()
    {
        var otherFile = Path.GetTempFileName();
        var toolsFile = Path.GetTempFileName();
        var marker = Guid.NewGuid().ToString("N");
        try
        {
            await File.WriteAllTextAsync(otherFile, "greet");
            await File.WriteAllTextAsync(toolsFile, "tools");
            var tooling = TestUpstreams.NodeScriptStdio("late", ToolingServer);
            tooling["Gateway:Upstreams:late:Env:TOOLS_FILE"] = toolsFile;
            tooling["Gateway:Upstreams:late:Env:GATEWAY_TEST_MARKER"] = marker;
            tooling["Gateway:Upstreams:late:ToolPrefix"] = "late_";
            await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(Prompting("other", otherFile), tooling));
            await using var client = await gateway.ConnectAsync();
            var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var times = 0;
            await using var onChanged = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
            {
                Interlocked.Increment(ref times);
                told.TrySetResult();
                return ValueTask.CompletedTask;
            });
            var before = (await client.ListToolsAsync()).Select(t => t.Name).Order().ToList();

            await File.WriteAllTextAsync(toolsFile, "none");
            var killed = MarkedProcesses.KillAll(marker);
            await told.Task.WaitAsync(Patience);
            var after = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
            var catalogued = gateway.Services.GetRequiredService<ToolCatalog>().Tools.Select(t => t.Name).ToList();

            Assert.Equal(["late_hello", "other_hello"], before);
            Assert.NotEqual(0, killed);
            Assert.Equal(["other_hello"], after);
            Assert.Equal(["other_hello"], catalogued);
            Assert.Equal(1, Volatile.Read(ref times));
        }
        finally
        {
            File.Delete(otherFile);
            File.Delete(toolsFile);
        }
    }

    /// <summary>
    /// Of two upstreams, one restarts offering no prompts, while the agent had listed both's from the gateway's listing:
    /// it is told once, and lists the other's alone.
    /// </summary>
    [Fact]
    public async Task UpstreamRestartingWithoutPrompts_TheAgentThatListedThemIsToldOnce_AndListsTheOthersAlone()
    {
        var otherFile = Path.GetTempFileName();
        var lateFile = Path.GetTempFileName();
        var marker = Guid.NewGuid().ToString("N");
        try
        {
            await File.WriteAllTextAsync(otherFile, "greet");
            await File.WriteAllTextAsync(lateFile, "welcome");
            var settings = TestUpstreams.Merge(Prompting("other", otherFile), Prompting("late", lateFile));
            settings["Gateway:Upstreams:late:Env:GATEWAY_TEST_MARKER"] = marker;
            await using var gateway = await GatewayHost.StartAsync(settings);
            await using var client = await gateway.ConnectAsync();
            var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var times = 0;
            await using var onChanged = client.RegisterNotificationHandler(NotificationMethods.PromptListChangedNotification, (_, _) =>
            {
                Interlocked.Increment(ref times);
                told.TrySetResult();
                return ValueTask.CompletedTask;
            });
            var before = (await client.ListPromptsAsync()).Select(p => p.Name).Order().ToList();

            await File.WriteAllTextAsync(lateFile, "");
            var killed = MarkedProcesses.KillAll(marker);
            await told.Task.WaitAsync(Patience);
            var after = (await client.ListPromptsAsync()).Select(p => p.Name).ToList();

            Assert.Equal(["greet", "welcome"], before);
            Assert.NotEqual(0, killed);
            Assert.Equal(["greet"], after);
            Assert.Equal(1, Volatile.Read(ref times));
        }
        finally
        {
            File.Delete(otherFile);
            File.Delete(lateFile);
        }
    }

    private static Dictionary<string, string?> Prompting(string name, string promptsFile)
    {
        var settings = TestUpstreams.NodeScriptStdio(name, PromptingServer);
        settings[$"Gateway:Upstreams:{name}:Env:PROMPTS_FILE"] = promptsFile;
        settings[$"Gateway:Upstreams:{name}:ToolPrefix"] = $"{name}_";
        return settings;
    }

    private static Dictionary<string, string?> Restarting(string name, string resourcesFile)
    {
        var settings = TestUpstreams.NodeScriptStdio(name, RestartingServer);
        settings[$"Gateway:Upstreams:{name}:Env:RESOURCES_FILE"] = resourcesFile;
        settings[$"Gateway:Upstreams:{name}:ToolPrefix"] = $"{name}_";
        return settings;
    }

    /// <summary>Opens the agent's own session with a call, and collects what it is told until it hears its prompts changed.</summary>
    private static async Task<List<string>> NotificationsUntilPromptsChangedAsync(RawHttpAgent agent, RawHttpAgent.AnswerStream unasked)
    {
        var call = agent.Call("tools/call", new JsonObject { ["name"] = "open", ["arguments"] = new JsonObject() });
        var told = new List<string>();
        await unasked.NextAsync(m =>
        {
            if (m["method"]?.GetValue<string>() is { } method && method.EndsWith("/list_changed", StringComparison.Ordinal))
            {
                told.Add(method);
            }

            return Is(m, NotificationMethods.PromptListChangedNotification);
        }).WaitAsync(Patience);
        var answered = await call.NextAsync(m => m["result"] is JsonObject).WaitAsync(Patience);
        Assert.NotEqual(true, (bool?)answered["result"]!["isError"]);
        return told;
    }

    /// <summary>An agent of the gateway in front of <see cref="ChangingLists"/>, with its session's stream open.</summary>
    private sealed class AgentSession(DynamicToolsUpstream upstream, GatewayHost gateway, RawHttpAgent agent, RawHttpAgent.AnswerStream unasked)
        : IAsyncDisposable
    {
        public RawHttpAgent Agent => agent;

        /// <summary>What the gateway sends the agent unasked.</summary>
        public RawHttpAgent.AnswerStream Unasked => unasked;

        public static async Task<AgentSession> StartAsync(ChangingLists lists)
        {
            var upstream = await lists.StartAsync();
            var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "lists"));
            var agent = await RawHttpAgent.ConnectAsync(gateway.McpEndpoint, "{}");
            var unasked = agent.Listen();
            await unasked.FirstEventId.WaitAsync(Patience);
            return new AgentSession(upstream, gateway, agent, unasked);
        }

        public async ValueTask DisposeAsync()
        {
            await agent.DisposeAsync();
            await gateway.DisposeAsync();
            await upstream.DisposeAsync();
        }
    }

    private static async Task<List<string?>> ListAsync(RawHttpAgent agent, string method, string key, string id)
    {
        var answer = await agent.Call(method, new JsonObject()).NextAsync(m => m["result"] is JsonObject).WaitAsync(Patience);
        return [.. answer["result"]![key]!.AsArray().Select(item => (string?)item![id]).Order()];
    }

    private static bool Is(JsonObject message, string method) => message["method"]?.GetValue<string>() == method;

    /// <summary>
    /// A server whose resources and prompts a test changes without telling anyone, as a server that lists per session
    /// does or one restarted with others; its tool <c>open</c> opens the agent's own session. It counts what each of its
    /// sessions was asked to list.
    /// </summary>
    private sealed class ChangingLists(Func<McpServer, CancellationToken, Task>? onCall = null)
    {
        private readonly ConcurrentDictionary<(string? Session, string Method), int> _asked = new();
        private volatile string? _called;

        public volatile bool ResourcesChanged;
        public volatile bool PromptsChanged;

        /// <summary>How often the session that ran the call (the agent's own) was asked for <paramref name="method"/>.</summary>
        public int AskedOnOwnSession(string method) => _asked.GetValueOrDefault((_called, method));

        public Task<DynamicToolsUpstream> StartAsync() => DynamicToolsUpstream.StartAsync(
            options =>
            {
                options.Handlers.ListResourcesHandler = (request, _) =>
                {
                    Count(request.Server, RequestMethods.ResourcesList);
                    return ValueTask.FromResult(new ListResourcesResult
                    {
                        Resources = [new Resource { Uri = "note://a", Name = "a" }, .. ResourcesChanged ? [new Resource { Uri = "note://b", Name = "b" }] : Array.Empty<Resource>()],
                    });
                };
                options.Handlers.ListResourceTemplatesHandler = (request, _) =>
                {
                    Count(request.Server, RequestMethods.ResourcesTemplatesList);
                    return ValueTask.FromResult(new ListResourceTemplatesResult
                    {
                        ResourceTemplates = [new ResourceTemplate { UriTemplate = "note://{name}", Name = "note" }],
                    });
                };
                options.Handlers.ListPromptsHandler = (request, _) =>
                {
                    Count(request.Server, RequestMethods.PromptsList);
                    return ValueTask.FromResult(new ListPromptsResult
                    {
                        Prompts = [new Prompt { Name = "p" }, .. PromptsChanged ? [new Prompt { Name = "q" }] : Array.Empty<Prompt>()],
                    });
                };
            },
            McpServerTool.Create(
                async (McpServer server, CancellationToken cancellationToken) =>
                {
                    _called = server.SessionId;
                    if (onCall is not null)
                    {
                        await onCall(server, cancellationToken);
                    }

                    return "opened";
                },
                new McpServerToolCreateOptions { Name = "open" }));

        private void Count(McpServer server, string method) => _asked.AddOrUpdate((server.SessionId, method), 1, (_, n) => n + 1);
    }
}
