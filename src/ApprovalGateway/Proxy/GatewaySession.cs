using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Hosting;
using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Arguments;
using ApprovalGateway.Proxy.Resumption;
using ApprovalGateway.Proxy.Tasks;
using ApprovalGateway.Upstreams;
using Microsoft.Extensions.Primitives;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Proxy;

/// <summary>
/// One agent connection. It owns one client session per upstream, opened by the first of its requests that needs that
/// upstream (with the agent's own client info and capabilities, so sampling, elicitation and roots requests reach the
/// agent that caused them): a session that never uses an upstream costs it nothing (for stdio, no process). It relays
/// every request as raw JSON, and sends <c>tools/call</c> through the pipeline. What the upstreams
/// ask the agent goes to it as raw JSON too, and the agent's answers go back the same way.
/// </summary>
internal sealed class GatewaySession(
    SessionIdentity identity,
    ToolCatalog catalog,
    UpstreamConnector connector,
    ToolCallPipeline pipeline,
    IToolCallPolicy policy,
    GatewayOptions options,
    UpstreamStatusBoard board,
    TimeProvider time,
    ILogger logger,
    IHttpContextAccessor? http = null,
    GatewayTasks? tasks = null,
    PolicyStore? policyStore = null,
    ResumableStreamStore? streams = null,
    UnreadableRequestAudit? refusals = null) : IAsyncDisposable
{
    /// <summary>Methods the gateway's own MCP server answers.</summary>
    private static readonly HashSet<string> LocalMethods =
        [RequestMethods.Initialize, RequestMethods.Ping, RequestMethods.ServerDiscover, RequestMethods.SubscriptionsListen];

    /// <summary>
    /// The requests the gateway relays upstream: those MCP defines (and its task methods, once the session was offered
    /// tasks). Any other is refused, not passed on: a server that serves a method of its own, or reads a misspelt one
    /// (<c>"tools/call "</c>) as one it knows, would run it past the policy and the audit log.
    /// </summary>
    private static readonly FrozenSet<string> RelayedRequests = FrozenSet.Create(
        StringComparer.Ordinal,
        RequestMethods.ToolsList,
        RequestMethods.ToolsCall,
        RequestMethods.ResourcesList,
        RequestMethods.ResourcesTemplatesList,
        RequestMethods.ResourcesRead,
        RequestMethods.ResourcesSubscribe,
        RequestMethods.ResourcesUnsubscribe,
        RequestMethods.PromptsList,
        RequestMethods.PromptsGet,
        RequestMethods.CompletionComplete,
        RequestMethods.LoggingSetLevel);

    private static readonly FrozenSet<string> RelayedNotifications = FrozenSet.Create(
        StringComparer.Ordinal,
        NotificationMethods.LoggingMessageNotification,
        NotificationMethods.ResourceUpdatedNotification,
        NotificationMethods.ResourceListChangedNotification,
        NotificationMethods.ToolListChangedNotification,
        NotificationMethods.PromptListChangedNotification,
        NotificationMethods.ProgressNotification,
        NotificationMethods.ElicitationCompleteNotification,
        "notifications/tasks/status");

    /// <summary>The lists other than tools an agent may be listed, each upstream's compared on its own.</summary>
    private static readonly string[] OtherLists = [RequestMethods.ResourcesList, RequestMethods.ResourcesTemplatesList, RequestMethods.PromptsList];

    private readonly CancellationTokenSource _closed = new();

    // Set by whoever learns first that the agent is ending the session; read when its held calls are withdrawn.
    private volatile string? _endingBecause;

    // Cancelled when the agent's DELETE is about to end the session: its requests are answered before the SDK closes
    // their streams, which otherwise end cut off mid-response, each logged by Kestrel as an unhandled exception.
    private readonly CancellationTokenSource _ending = new();
    private int _unanswered;
    private TaskCompletionSource? _allAnswered;
    private IDisposable? _slot;
    private readonly ConcurrentDictionary<string, ProgressRoute> _progressRoutes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RequestId, AgentRequest> _inFlight = new();
    private long _requestOrder;
    private readonly Lock _connectGate = new();
    private readonly TaskCompletionSource _agentInitialized = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private UpstreamRoutes _routes = UpstreamRoutes.None;
    private bool _agentCanElicit;

    // Whether the agent declared no client capabilities, as the catalog's own connection does: an upstream then lists
    // this session the tools it listed the catalog, and tools/list needs no session of the agent's own. Else the
    // upstream's listing for clients that declare what the agent did stands in for it (CapabilityListings).
    private bool _listsAsTheCatalog;
    private JsonObject? _declared;
    private string _protocolVersion = UpstreamConnector.DefaultProtocolVersion;

    // Who the agent says it is: that listing is asked as this client, since a server may list by it.
    private Implementation _clientInfo = new() { Name = "unknown-client", Version = "0" };
    private string _listingShape = "";

    // Every session that hears an upstream's list_changed has the listings forgotten, and this one looks again each
    // time: a burst should cost it a look or two.
    private readonly CoalescedRun _recheck = new();

    // Which lists (resources, prompts) of each upstream this session was answered from the gateway's listing since it was
    // last told they changed: told once when that listing is forgotten, as nothing upstream tells it.
    private readonly Lock _fromListingsGate = new();
    private readonly Dictionary<string, ListKinds> _answeredFromListings = new(StringComparer.Ordinal);

    private Task<bool>? _connecting;
    private volatile McpServer? _sessionServer;
    private Func<bool> _hearsUnasked = static () => true;
    private volatile bool _initializeAccepted;
    private volatile bool _tasksEnabled;
    private RequestId? _initializeId;
    private readonly SessionTasks _sessionTasks = new(logger);
    private readonly AgentRequestRelay _agentRequests = new();

    // Tools this session was listed that the catalogue had not listed (yet), as they were listed: how a call to one is judged.
    private readonly ConcurrentDictionary<string, UpstreamTool> _uncatalogued = new(StringComparer.Ordinal);

    // What the agent's last tools/list answered, and each upstream's resources, templates and prompts, so a reconnected
    // upstream tells it to list again only if that changed; none from when it is told to list again until it has.
    private readonly ListedDigests _listed = new();

    private IDisposable? _policyReloads;

    // The lists the agent was told the gateway offers, each with listChanged: the only ones it may be told changed.
    private ListKinds _advertised;

    public SessionIdentity Identity => identity;

    /// <summary>Fills the per-session server options: identity and capabilities mirror the upstreams, the relay filter answers first.</summary>
    public void Configure(McpServerOptions serverOptions)
    {
        serverOptions.ServerInfo = catalog.ServerInfo;
        serverOptions.ServerInstructions = catalog.ServerInstructions;
        var capabilities = catalog.Capabilities;
        serverOptions.Capabilities = capabilities;
        _advertised = capabilities.Lists();
        serverOptions.Filters.Message.IncomingFilters.Add(Filter);
        serverOptions.Filters.Message.OutgoingFilters.Add(_agentRequests.Filter);
        if (tasks is not null)
        {
            GatewayTasks.Advertise(
                serverOptions, GatewayTasks.CanList(identity), id => id == _initializeId, () => _tasksEnabled = true);
        }
    }

    /// <summary>
    /// The session-level server: notifications not tied to a request go out through it, and reach the agent while
    /// <paramref name="hearsUnasked"/> says so (over HTTP, while it has its GET stream open; over stdio, always).
    /// </summary>
    public void Attach(McpServer server, Func<bool>? hearsUnasked = null)
    {
        _hearsUnasked = hearsUnasked ?? _hearsUnasked;
        _sessionServer = server;

        // Which tools the agent sees (hidden ones) and which may be held (task support) follow the policy.
        if (policyStore is not null)
        {
            _policyReloads = ChangeToken.OnChange(policyStore.GetReloadToken, () => _ = ToolListChangedByPolicyAsync(policyStore));
        }
    }

    private McpMessageHandler Filter(McpMessageHandler next) => async (context, cancellationToken) =>
    {
        _sessionServer ??= context.Server;
        switch (context.JsonRpcMessage)
        {
            case JsonRpcRequest { Method: RequestMethods.Initialize } repeated when _initializeAccepted:
                await RefuseAsync(context.Server, RequestMethods.Initialize, Error(repeated.Id, (int)McpErrorCode.InvalidRequest, "Invalid Request: Server already initialized"));
                return;
            case JsonRpcRequest { Method: RequestMethods.Initialize } unreadable when InvalidInitialize.Answer(unreadable.Id, unreadable.Params) is { } invalid:
                await RefuseAsync(context.Server, RequestMethods.Initialize, invalid);
                return;
            case JsonRpcRequest { Method: RequestMethods.Initialize } initialize:
                _initializeId = initialize.Id;
                await InitializeAsync(context, initialize, next, cancellationToken);
                return;
            case JsonRpcRequest { Method: RequestMethods.ServerDiscover } discover:
                // The 2026-07-28 revision has no initialize, and the gateway's sessions (upstream sessions, held calls)
                // are made by it. Naming the versions that have it is what makes such clients initialize instead
                // (over HTTP the SDK's transport says the same before this runs).
                throw new UnsupportedProtocolVersionException(
                    RequestedVersion(discover) ?? "", UpstreamConnector.InitializeVersions.Order(StringComparer.Ordinal),
                    "The gateway speaks only protocol versions that begin with initialize; initialize with one of them.");
            case JsonRpcRequest request when !LocalMethods.Contains(request.Method) && !Relays(request.Method):
                var method = UnreadableJson.Quote(request.Method);
                await RefuseAsync(context.Server, method, Error(request.Id, (int)McpErrorCode.MethodNotFound,
                    $"Method {method} is not available: the gateway relays only the requests MCP defines."));
                return;
            case JsonRpcRequest request when !LocalMethods.Contains(request.Method):
                await RelayAsync(context.Server, request, cancellationToken);
                return;
            case JsonRpcNotification { Method: NotificationMethods.InitializedNotification }:
                _agentInitialized.TrySetResult();
                break;
            case JsonRpcError error:
                // Before the SDK turns it into an exception that keeps only part of it.
                _agentRequests.Observe(error);
                break;
            case JsonRpcNotification { Method: NotificationMethods.RootsListChangedNotification }:
                await BroadcastNotificationAsync(NotificationMethods.RootsListChangedNotification);
                break;
            case JsonRpcNotification { Method: NotificationMethods.CancelledNotification } cancelled:
                // Noted before the SDK cancels the request, so a held call it withdraws can say why.
                NoteCancelReason(cancelled);
                break;
        }

        await next(context, cancellationToken);
    };

    /// <summary>
    /// Refuses a request the session cannot take, with an audit record, and leaves the session as it was: a method the
    /// gateway does not relay, or an <c>initialize</c> it cannot take. One in a session already initialized is refused as
    /// the TypeScript SDK refuses it: the C# SDK would answer it as if the session were new, and a client could take that
    /// answer for a fresh session while this one, with its upstream sessions and held calls, goes on.
    /// </summary>
    /// <param name="method">The request's method as the audit record names it.</param>
    private async Task RefuseAsync(McpServer server, string method, JsonRpcError refusal)
    {
        if (refusals is not null)
        {
            await refusals.RecordRefusedAsync(identity.Agent, identity.SessionId, method, refusal);
        }

        await server.SendMessageAsync(refusal, CancellationToken.None);
    }

    private bool Relays(string method) => RelayedRequests.Contains(method) || (_tasksEnabled && TaskMethods.IsTaskMethod(method));

    private void NoteCancelReason(JsonRpcNotification cancelled)
    {
        CancelledNotificationParams? parameters;
        try
        {
            parameters = cancelled.Params?.Deserialize<CancelledNotificationParams>(McpJsonUtilities.DefaultOptions);
        }
        catch (JsonException)
        {
            return;
        }

        if (parameters is { Reason: { Length: > 0 } reason } && _inFlight.TryGetValue(parameters.RequestId, out var request))
        {
            request.CancelledWith = reason;
            request.CancelReason = $"The agent cancelled the call: {ApprovalText.ClientText(reason)}";
        }
    }

    /// <summary>Why a call the agent no longer waits for ends, as precisely as the gateway knows it.</summary>
    private string? WhyWithdrawn(RequestId id, AgentPresence? presence) =>
        _inFlight.TryGetValue(id, out var inFlight) && inFlight.CancelReason is { } said ? said
        : presence is { Abandoned.IsCancellationRequested: true }
            ? $"The agent's connection dropped and it did not come back for the call within {ToolCallPipeline.FormatDuration(presence.Window)} ({ResumptionOptions.Section}:Window)"
            : _endingBecause;

    /// <summary>
    /// The agent is ending the session (a DELETE of it, or the end of its stdio input): its held calls say so. Null when
    /// what was said did not end it after all (a DELETE the SDK refused).
    /// </summary>
    public void EndingBecause(string? reason) => _endingBecause = reason;

    /// <summary>
    /// Ends the agent's requests under way, as its DELETE is about to end the session, and waits (at most
    /// <paramref name="patience"/>) until each has its answer: a held call is withdrawn and audited as such, one sent
    /// upstream is cancelled there. Requests that come later are answered the same way at once.
    /// </summary>
    public async Task EndRequestsAsync(TimeSpan patience)
    {
        var allAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _allAnswered, allAnswered, null) is not null)
        {
            return;
        }

        await _ending.CancelAsync();
        if (Volatile.Read(ref _unanswered) > 0)
        {
            try
            {
                await allAnswered.Task.WaitAsync(patience);
            }
            catch (TimeoutException)
            {
                // The SDK ends what is left with the session.
            }
        }
    }

    private static string? RequestedVersion(JsonRpcRequest request) =>
        request.Params?["_meta"]?["io.modelcontextprotocol/protocolVersion"] is JsonValue version && version.TryGetValue<string>(out var text) ? text : null;

    /// <summary>
    /// Lets the SDK answer the agent's <c>initialize</c> first, and prepares the upstream links only once it has
    /// accepted it; they open their sessions on first use, so one it refuses leaves nothing upstream either way.
    /// Requests relayed from then on wait for the links.
    /// </summary>
    private async Task InitializeAsync(MessageContext context, JsonRpcRequest initialize, McpMessageHandler next, CancellationToken cancellationToken)
    {
        AnswerUnknownVersionsWithOurNewest(initialize.Params);
        var accepted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<bool>? connecting = null;
        lock (_connectGate)
        {
            // A second initialize on the session changes nothing upstream.
            _connecting ??= connecting = ConnectOnceAcceptedAsync(accepted.Task, initialize.Params);
        }

        try
        {
            await next(context, cancellationToken);
        }
        catch (Exception) when (connecting is not null)
        {
            lock (_connectGate)
            {
                _connecting = null;
            }

            accepted.TrySetResult(false);
            Refused();
            throw;
        }

        // A refused one leaves the agent free to initialize again; an accepted one is the session's only one.
        _initializeAccepted = true;

        // Not awaited: the agent has its answer, and a failure here would answer it twice; its requests wait instead.
        accepted.TrySetResult(true);
    }

    /// <summary>
    /// MCP has a server answer a protocol version it does not speak with one it does, its newest; the SDK refuses
    /// versions newer than those it knows (-32022) instead, where upstreams answer. The gateway answers as they do.
    /// </summary>
    private static void AnswerUnknownVersionsWithOurNewest(JsonNode? initializeParams)
    {
        if (initializeParams is JsonObject parameters && parameters["protocolVersion"] is JsonValue version
            && version.TryGetValue<string>(out var asked) && !UpstreamConnector.InitializeVersions.Contains(asked))
        {
            parameters["protocolVersion"] = UpstreamConnector.DefaultProtocolVersion;
        }
    }

    private async Task<bool> ConnectOnceAcceptedAsync(Task<bool> accepted, JsonNode? initializeParams)
    {
        if (!await accepted)
        {
            return false;
        }

        PrepareLinks(initializeParams);
        return true;
    }

    /// <summary>Waits for the upstream links that the agent's <c>initialize</c> prepares.</summary>
    private async Task WhenConnectedAsync(CancellationToken cancellationToken)
    {
        Task<bool>? connecting;
        lock (_connectGate)
        {
            connecting = _connecting;
        }

        if (connecting is null || !await connecting.WaitAsync(cancellationToken))
        {
            throw new McpProtocolException(
                "This session has not been initialized: send initialize, and other requests once it is answered.", McpErrorCode.InvalidRequest);
        }
    }

    /// <summary>
    /// One link per upstream, none of them started: each opens its session when a request first needs that upstream
    /// (<see cref="UpstreamLink.ConnectAsync"/>), and is set up then as the agent had asked (its log level).
    /// </summary>
    private void PrepareLinks(JsonNode? initializeParams)
    {
        var init = initializeParams?.Deserialize<InitializeRequestParams>(McpJsonUtilities.DefaultOptions);
        // Read by the session's requests at once: each upstream's initialize, and the shape its listings are kept under.
        var declared = SharedJson.Materialize((initializeParams?["capabilities"] as JsonObject)?.DeepClone().AsObject());
        _listsAsTheCatalog = declared is null or { Count: 0 };
        _declared = declared;
        _protocolVersion = UpstreamConnector.ChooseProtocolVersion(init?.ProtocolVersion);
        var clientInfo = init?.ClientInfo ?? _clientInfo;
        _clientInfo = clientInfo;
        _listingShape = CapabilityListings.ShapeOf(declared, _protocolVersion, clientInfo);
        _agentCanElicit = init?.Capabilities?.Elicitation is { } elicitation && (elicitation.Form is not null || elicitation.Url is null);
        Log.SessionOpened(logger, identity.SessionId, identity.Agent, $"{clientInfo.Name} {clientInfo.Version}");
        _routes = new UpstreamRoutes(
        [
            .. options.EnabledUpstreams.Select(u => new UpstreamLink(
                u.Key, u.Value, connector, () => CreateClientOptions(clientInfo, init), time, logger,
                status => board.Report(status with { Session = identity.SessionId }),
                new UpstreamClientRole(declared, AskAgentAsync, (notification, ct) => RelayNotificationAsync(u.Key, notification, ct)),
                gatewayLink: catalog.GatewayLinkTo(u.Key))),
        ], catalog.CapabilitiesOf, logger, identity.SessionId);
        var routes = _routes;
        foreach (var link in routes.Links)
        {
            link.Connected += connected =>
            {
                _ = ToolListMayHaveChangedAsync(ToolListing.Known);
                _ = ListsMayHaveChangedAsync(link, connected);
            };

            // Before the request that opened the session (or waits for it after a restart) goes on.
            link.SetUp = client =>
            {
                client.AddKnownTools(catalog.ProtocolTools(link.Name));
                if (catalog.Listings.Cached(link.Name, _listingShape, ListKinds.Tools) is { Tools: { } listed })
                {
                    client.AddKnownTools(listed.Select(ToolCatalog.ToProtocolTool).OfType<Tool>());
                }

                return routes.RestoreAsync(link, client, (method, reason) => Log.RestoreFailed(logger, link.Name, method, reason), _closed.Token);
            };
        }

        catalog.Changed += CatalogChanged;
        catalog.Listings.Forgotten += ListingForgotten;
        catalog.ListsNewlyOffered += ListsNewlyOffered;
    }

    /// <summary>
    /// An upstream restarted offering lists it did not (prompts, say): the agent listed them without it, and hears of it
    /// from nobody else (the upstream's own session, new, has nothing to say changed), so it is told once, as of any
    /// change, for each such list it was told the gateway offers. One told of it already, and not listing since, is not
    /// told again.
    /// </summary>
    private void ListsNewlyOffered(string upstream, ListKinds lists)
    {
        var untold = _listed.Tell(upstream, lists & _advertised);
        if (untold != ListKinds.None)
        {
            _ = TellAsync();
        }

        async Task TellAsync()
        {
            var cause = $"(upstream '{upstream}' offers new lists)";
            if (untold.HasFlag(ListKinds.Tools))
            {
                await SendListChangedAsync(NotificationMethods.ToolListChangedNotification, cause);
            }

            await SendListsChangedAsync(untold, cause);
        }
    }

    /// <summary>
    /// An upstream said some of its lists changed, maybe only to another agent's session: an agent shown the gateway's
    /// listing for an upstream it has not used yet hears that from nobody else. For tools it is told to list again if
    /// what it would be listed now is another; for resources and prompts it is told once, if it was answered from that
    /// listing since it was last told. One that has its own session there hears the upstream itself.
    /// </summary>
    private void ListingForgotten(string upstream, ListKinds lists)
    {
        if (_routes.Link(upstream) is not { IsStarted: false })
        {
            return;
        }

        if (lists.HasFlag(ListKinds.Tools) && !_listsAsTheCatalog)
        {
            _ = RecheckAsync();
        }

        ListKinds told;
        lock (_fromListingsGate)
        {
            told = _answeredFromListings.GetValueOrDefault(upstream) & lists;
            _answeredFromListings[upstream] = _answeredFromListings.GetValueOrDefault(upstream) & ~lists;
        }

        // Told now: its own session, opening later, has nothing to tell it of this change.
        _ = SendListsChangedAsync(_listed.Tell(upstream, told), upstream);
    }

    private async Task SendListsChangedAsync(ListKinds lists, string cause)
    {
        if (lists.HasFlag(ListKinds.Resources))
        {
            await SendListChangedAsync(NotificationMethods.ResourceListChangedNotification, cause);
        }

        if (lists.HasFlag(ListKinds.Prompts))
        {
            await SendListChangedAsync(NotificationMethods.PromptListChangedNotification, cause);
        }
    }

    /// <summary>
    /// The resources, templates or prompts (<paramref name="lists"/>) of an upstream this session has not used yet, from
    /// the gateway's listing for clients that introduce themselves and declare what the agent did; null when only the
    /// session's own listing will do (the upstream is down for the catalogue's connection too, or could not be asked).
    /// </summary>
    private async Task<ListedItems?> ListedWithoutOwnSessionAsync(
        UpstreamLink link, ListKinds lists, Func<UpstreamListing, ListedItems?> pick, CancellationToken cancellationToken)
    {
        if (catalog.CapabilitiesOf(link.Name) is null)
        {
            return null;
        }

        // Noted before it is asked: a change said while the agent is answered must still reach it.
        lock (_fromListingsGate)
        {
            _answeredFromListings[link.Name] = _answeredFromListings.GetValueOrDefault(link.Name) | lists;
        }

        var listing = await catalog.Listings.ListAsync(link.Name, link.Options, _declared, _protocolVersion, _clientInfo, lists, cancellationToken);
        return listing is null ? null : pick(listing);
    }

    /// <summary>
    /// Looks again at what the agent would be listed, without opening anything of its own (see
    /// <see cref="ToolListMayHaveChangedAsync"/>).
    /// </summary>
    private Task RecheckAsync() => _recheck.RunAsync(() => ToolListMayHaveChangedAsync(ToolListing.Rechecked));

    /// <summary>
    /// An upstream this session has not used yet says its tools changed only to the catalogue's connection; an agent
    /// shown the catalogue's listing for it, or the listing for its capabilities, is told to list again if that changed,
    /// as its own session would have told it.
    /// </summary>
    private void CatalogChanged()
    {
        if (_routes.Links.Any(l => !l.IsStarted))
        {
            _ = _listsAsTheCatalog ? ToolListMayHaveChangedAsync(ToolListing.Known) : RecheckAsync();
        }
    }

    private static McpClientOptions CreateClientOptions(Implementation clientInfo, InitializeRequestParams? init)
    {
        // No capabilities here: the link's client role sends the agent's own upstream, and passes the upstream's
        // notifications on in their order (the SDK's handlers would run them side by side).
        return UpstreamConnector.CreateClientOptions(clientInfo, init?.ProtocolVersion);
    }

    /// <summary>
    /// A request an upstream makes of its client (sampling, elicitation, roots, ...), put to the agent; with
    /// <paramref name="origin"/>, the agent's request it belongs to (see <see cref="UpstreamClientRole.AnswerAsync"/>).
    /// </summary>
    private async Task<JsonRpcMessageWithId> AskAgentAsync(JsonRpcRequest request, object? origin, ClientRequestWithdrawal withdrawal)
    {
        // Upstreams ask (for roots, say) as soon as they are initialized, which is before the agent has finished its
        // own handshake; the agent can only answer once it has.
        await _agentInitialized.Task.WaitAsync(withdrawal.Token);
        return await _agentRequests.SendAsync(RequestTarget(origin as AgentRequest), request, withdrawal);
    }

    /// <summary>
    /// Where a request from an upstream (sampling, elicitation, roots) goes: over the stream of the agent's request it
    /// belongs to while that is in flight; else over the newest one's, which most likely caused it; the session stream
    /// only when nothing is in flight.
    /// </summary>
    private McpServer RequestTarget(AgentRequest? related) =>
        related is not null && _inFlight.TryGetValue(related.Id, out var current) && ReferenceEquals(current, related)
            ? related.Server
            : _inFlight.Values.MaxBy(r => r.Order)?.Server ?? _sessionServer ?? throw new McpProtocolException(
                "The agent's session is not ready for requests.", McpErrorCode.InternalError);

    private async ValueTask RelayNotificationAsync(string upstream, JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        if (!RelayedNotifications.Contains(notification.Method))
        {
            return;
        }

        var progressToken = notification.Method == NotificationMethods.ProgressNotification
            ? (notification.Params as JsonObject)?["progressToken"]?.ToJsonString()
            : null;
        if (notification.Method == NotificationMethods.ToolListChangedNotification)
        {
            // What it lists others (and the catalogue's listing itself) may have changed too: the upstream may have told
            // only this session.
            catalog.ToolsChangedOnAgentSession(upstream);
        }
        else if (notification.Method == NotificationMethods.ResourceListChangedNotification)
        {
            catalog.Listings.Forget(upstream, ListKinds.Resources);
        }
        else if (notification.Method == NotificationMethods.PromptListChangedNotification)
        {
            catalog.Listings.Forget(upstream, ListKinds.Prompts);
        }

        var route = progressToken is not null && _progressRoutes.TryGetValue(progressToken, out var bound) ? bound : null;
        var target = route?.Server ?? _sessionServer;
        try
        {
            if (target is not null)
            {
                // Told to list again, the agent has nothing more to be told until it has: the catalogue's listing
                // that follows must not tell it a second time. Before sending, so that a listing it makes on
                // hearing this is what counts as listed. Told already, by the gateway (its own session, opened,
                // listed the change before the upstream said so) or by the first of a burst of the upstream's own
                // notices (server-everything sends five as a session opens), it has been told of this change.
                // One the agent cannot hear (no GET stream open) tells it nothing, and holds back none that follow.
                if (ListedDigests.KindOf(notification.Method) is not ListKinds.None and var lists
                    && _hearsUnasked()
                    && _listed.Tell(upstream, lists) == ListKinds.None)
                {
                    Log.ListChangeAlreadyTold(logger, upstream, notification.Method, identity.SessionId);
                    return;
                }

                var parameters = notification.Params?.DeepClone();
                route?.CountOn(parameters);
                await target.SendMessageAsync(new JsonRpcNotification { Method = notification.Method, Params = parameters }, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RelayToAgentFailed(logger, notification.Method, upstream, ex.Message);
        }
        finally
        {
            if (progressToken is not null)
            {
                _routes.Link(upstream)?.ClientRole?.ProgressRelayed(progressToken);
            }
        }
    }

    /// <summary>Tells the agent to list tools again after an edit of the policy was applied (a rejected one changes nothing).</summary>
    private async Task ToolListChangedByPolicyAsync(PolicyStore store)
    {
        if (store.LastError is null)
        {
            // Told even if told already: an admin's edit is rare, and one it missed (a stream down) must not hide the next.
            // An upstream's notices that follow before it lists again are not passed on.
            _listed.Tell(ListedDigests.EveryUpstream, ListKinds.Tools);
            await SendListChangedAsync(NotificationMethods.ToolListChangedNotification, "(policy)");
        }
    }

    private async Task SendListChangedAsync(string method, string cause)
    {
        if (_sessionServer is not { } server || _closed.IsCancellationRequested)
        {
            return;
        }

        var heard = _hearsUnasked();
        try
        {
            await server.SendMessageAsync(new JsonRpcNotification { Method = method }, _closed.Token);
        }
        catch (OperationCanceledException)
        {
            // The session closed meanwhile.
        }
        catch (Exception ex)
        {
            Log.RelayToAgentFailed(logger, method, cause, ex.Message);
        }

        if (!heard)
        {
            // Counted as told when it was decided on; nobody heard it, so a change said next must not wait for a listing.
            _listed.Unheard(ListedDigests.KindOf(method));
        }
    }

    private async Task BroadcastNotificationAsync(string method)
    {
        foreach (var link in _routes.Links)
        {
            if (link.IsConnected)
            {
                await link.GetClient().SendMessageAsync(new JsonRpcNotification { Method = method }, _closed.Token);
            }
        }
    }

    private async Task RelayAsync(McpServer server, JsonRpcRequest request, CancellationToken cancellationToken)
    {
        // MCP params and their _meta are always objects; every lookup below relies on it, and an upstream may not
        // answer a request that breaks the schema at all. The arguments of tools/call are the pipeline's to check:
        // a refused call is audited with its tool.
        var malformed = request.Params switch
        {
            null => null,
            not JsonObject => "params must be an object",
            _ when UnreadableJson.Find(request.Params, request.Method == RequestMethods.ToolsCall ? "arguments" : null) is { } problem =>
                $"params are not valid JSON for the gateway: {problem}",
            _ when request.Params["_meta"] is not (null or JsonObject) => "params._meta must be an object",
            // Read as no task, it would be held and decided on, and the upstream would refuse it once sent.
            _ when request.Method == RequestMethods.ToolsCall && request.Params["task"] is not (null or JsonObject) => "params.task must be an object",
            _ => null,
        };
        if (malformed is not null)
        {
            await server.SendMessageAsync(
                Error(request.Id, (int)McpErrorCode.InvalidParams, $"{request.Method} {malformed}."), CancellationToken.None);
            return;
        }

        // The SDK's own client cancels a Streamable HTTP call by dropping its POST, without notifications/cancelled,
        // and a request whose agent is gone must not be held (approved for nobody) or run. Where the POST's stream
        // can be resumed, a dropped connection may be the network's doing: the request goes on for the resumption
        // window, and stops only if the agent does not come back to it within that. Elsewhere it stops at once.
        var post = http?.HttpContext;
        var dropped = post?.RequestAborted ?? CancellationToken.None;
        // Its answer comes on the POST's event stream, so a keepalive may send that stream's headers before it.
        post?.Features.Get<KeepaliveBody>()?.AnswersRequest();
        using var presence = streams?.Watch(identity.SessionId, StreamId(request.Id), dropped);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token, _ending.Token, presence?.Abandoned ?? dropped);
        Interlocked.Increment(ref _unanswered);
        try
        {
            await AnswerAsync(server, request, presence, linked, cancellationToken);
        }
        finally
        {
            if (Interlocked.Decrement(ref _unanswered) == 0 && _ending.IsCancellationRequested)
            {
                Volatile.Read(ref _allAnswered)?.TrySetResult();
            }
        }
    }

    private async Task AnswerAsync(McpServer server, JsonRpcRequest request, AgentPresence? presence, CancellationTokenSource linked, CancellationToken cancellationToken)
    {
        var progressToken = UpstreamRoutes.ProgressToken(request.Params)?.ToJsonString();
        var inFlight = new AgentRequest(request.Id, Interlocked.Increment(ref _requestOrder), server);
        _inFlight[request.Id] = inFlight;
        UpstreamClientRole.Origin = inFlight;
        if (progressToken is not null)
        {
            _progressRoutes[progressToken] = new ProgressRoute(server);
        }

        JsonRpcMessage reply;
        try
        {
            await WhenConnectedAsync(linked.Token);
            var result = await DispatchAsync(server, request, presence, linked.Token);
            reply = new JsonRpcResponse { Id = request.Id, Result = result ?? new JsonObject() };
        }
        catch (OperationCanceledException) when (_ending.IsCancellationRequested && !cancellationToken.IsCancellationRequested && !_closed.IsCancellationRequested)
        {
            reply = Error(request.Id, (int)McpErrorCode.InternalError,
                $"{_endingBecause ?? ApprovalText.SessionDeletedReason}: the gateway stopped {request.Method}. " +
                "A held or approved call was not sent; one already sent upstream was cancelled there.");
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            if (presence is not { Abandoned.IsCancellationRequested: true } || cancellationToken.IsCancellationRequested || _closed.IsCancellationRequested)
            {
                // A cancelled request gets no response (MCP cancellation); the upstream was told by the SDK.
                return;
            }

            // Not the agent's cancellation but its absence: an agent that resumes after all learns what became of it.
            reply = Error(request.Id, (int)McpErrorCode.InternalError,
                $"The gateway stopped {request.Method}: the agent's connection dropped and it did not resume the stream within {presence.Window} " +
                $"({ResumptionOptions.Section}:Window). A held or approved call was not sent; one already sent upstream was cancelled there.");
        }
        catch (UpstreamProtocolException ex)
        {
            reply = new JsonRpcError { Id = request.Id, Error = ex.Error };
        }
        catch (McpProtocolException ex)
        {
            reply = Error(request.Id, (int)ex.ErrorCode, UpstreamMessage(ex.Message));
        }
        catch (UpstreamUnavailableException ex)
        {
            reply = Error(request.Id, (int)McpErrorCode.InternalError, ex.Message);
        }
        catch (Exception ex)
        {
            // Left to the SDK, the agent would read only "An error occurred." and nothing would be logged.
            Log.RequestFailed(logger, request.Method, identity.SessionId, ex);
            reply = Error(request.Id, (int)McpErrorCode.InternalError, $"The gateway could not handle {request.Method}: {ex.Message}");
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<RequestId, AgentRequest>(request.Id, inFlight));
            if (progressToken is not null)
            {
                _progressRoutes.TryRemove(progressToken, out _);
            }
        }

        await server.SendMessageAsync(reply, CancellationToken.None);
    }

    /// <summary>The SSE stream the SDK opens for a request's answer is named after its id.</summary>
    private static string StreamId(RequestId id) => id.Id switch
    {
        IFormattable number => number.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        var other => other?.ToString() ?? "",
    };

    private Task<JsonNode?> DispatchAsync(McpServer server, JsonRpcRequest request, AgentPresence? presence, CancellationToken cancellationToken) =>
        request.Method switch
        {
            RequestMethods.ToolsList => ListToolsAsync(cancellationToken),
            RequestMethods.ToolsCall => CallToolAsync(server, request, presence, cancellationToken),
            RequestMethods.ResourcesList => _routes.ListAsync(
                request, "uri", c => c.Resources is not null,
                (link, ct) => ListedWithoutOwnSessionAsync(link, ListKinds.Resources, l => l.Resources, ct), _listed, cancellationToken),
            RequestMethods.ResourcesTemplatesList => _routes.ListAsync(
                request, null, c => c.Resources is not null,
                (link, ct) => ListedWithoutOwnSessionAsync(link, ListKinds.Resources, l => l.ResourceTemplates, ct), _listed, cancellationToken),
            RequestMethods.PromptsList => _routes.ListAsync(
                request, "name", c => c.Prompts is not null,
                (link, ct) => ListedWithoutOwnSessionAsync(link, ListKinds.Prompts, l => l.Prompts, ct), _listed, cancellationToken),
            RequestMethods.ResourcesRead =>
                UpstreamRoutes.ForwardAsync(_routes.Owner(request.Params?["uri"], c => c.Resources is not null), request, cancellationToken),
            RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe =>
                _routes.SubscriptionAsync(_routes.Owner(request.Params?["uri"], c => c.Resources is not null), request, cancellationToken),
            RequestMethods.PromptsGet => UpstreamRoutes.ForwardAsync(_routes.Owner(request.Params?["name"], c => c.Prompts is not null), request, cancellationToken),
            RequestMethods.CompletionComplete => UpstreamRoutes.ForwardAsync(
                _routes.Owner(request.Params?["ref"] is JsonObject reference ? reference["name"] ?? reference["uri"] : null, c => c.Completions is not null), request, cancellationToken),
            RequestMethods.LoggingSetLevel => _routes.SetLevelAsync(request, cancellationToken),
            _ when _tasksEnabled && TaskMethods.IsTaskMethod(request.Method) => _sessionTasks.HandleAsync(tasks!, identity, _routes, request, cancellationToken),
            // The filter refuses every other method before it gets here.
            _ => throw new McpProtocolException($"Method {UnreadableJson.Quote(request.Method)} is not available", McpErrorCode.MethodNotFound),
        };

    private async Task<JsonNode?> ListToolsAsync(CancellationToken cancellationToken)
    {
        // A listing begun now sees what an upstream changed before it: a change it says of later must reach the agent.
        _listed.Listing(RequestMethods.ToolsList);

        var (tools, down) = await CollectToolsAsync(ToolListing.AsTheAgentSees, cancellationToken);
        if (tools.Count == 0 && down is not null)
        {
            // Nothing to list but for an upstream that is down: why says more than an empty list.
            throw down;
        }

        _listed.Record(ListedDigests.EveryUpstream, RequestMethods.ToolsList, tools);
        return new JsonObject { ["tools"] = tools };
    }

    /// <summary>
    /// The tools this session offers: a connected upstream's as it lists them to this session, a down one's as the
    /// catalogue last listed them (calls to those fail saying it is down, rather than as unknown tools), and one this
    /// session has not used yet as <paramref name="listing"/> says. A name the catalogue gives to another upstream (a
    /// clash) or that an earlier upstream listed is left out: one name, one tool.
    /// </summary>
    private async Task<(JsonArray Tools, UpstreamUnavailableException? Down)> CollectToolsAsync(ToolListing listing, CancellationToken cancellationToken)
    {
        var tools = new JsonArray();
        var names = new HashSet<string>(StringComparer.Ordinal);
        UpstreamUnavailableException? down = null;
        foreach (var link in _routes.Links)
        {
            IEnumerable<JsonObject> listed;
            if (!link.IsStarted && await ListingWithoutOwnSessionAsync(link, listing, cancellationToken) is { } fromCatalog)
            {
                listed = fromCatalog;
            }
            else
            {
                // Bounded as any request to the upstream is: one that never answers would hold the agent's listing.
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(link.Options.RequestTimeout);
                try
                {
                    var client = await link.ConnectAsync(cancellationToken);
                    if (client.ServerCapabilities.Tools is null)
                    {
                        continue;
                    }

                    var fresh = await ToolCatalog.ListAllToolsAsync(client, link.Name, logger, deadline.Token);
                    client.AddKnownTools(fresh.Select(ToolCatalog.ToProtocolTool).OfType<Tool>());
                    listed = fresh;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    var reason = ex is OperationCanceledException
                        ? $"it did not answer tools/list within {ToolCallPipeline.FormatDuration(link.Options.RequestTimeout)} (Gateway:Upstreams:{link.Name}:RequestTimeout)"
                        : ex.Message;
                    if (ex is not UpstreamUnavailableException)
                    {
                        Log.SessionToolListFailed(logger, link.Name, identity.SessionId, reason);
                    }

                    down ??= ex as UpstreamUnavailableException ?? new UpstreamUnavailableException(link.Name, $"Upstream '{link.Name}' could not list its tools: {reason}", ex);
                    listed = CataloguedTools(link);
                }
            }

            var prefix = link.Options.ToolPrefix ?? "";
            foreach (var tool in listed)
            {
                var name = prefix + tool["name"].AsString();
                var known = catalog.TryGet(name, out var cataloged) ? cataloged : null;
                if ((known is not null && known.UpstreamName != link.Name) || !names.Add(name) || policy.IsHidden(name, identity.Agent))
                {
                    continue;
                }

                var copy = tool.DeepClone().AsObject();
                copy["name"] = name;
                if (known is null)
                {
                    known = ToolCatalog.Describe(link.Name, prefix, tool);
                    _uncatalogued[name] = known;
                }

                if (_tasksEnabled && tasks is not null)
                {
                    tasks.OfferTasks(copy, known, identity.Agent);
                }

                _routes.Own("tool", name, link);
                tools.Add(copy);
            }
        }

        return (tools, down);
    }

    /// <summary>
    /// The tools of an upstream this session has not used yet, when the gateway may answer for it: none if the
    /// upstream offers none; else the catalogue's listing, or the one for the agent's capabilities, where
    /// <paramref name="listing"/> allows it. Null when only the session's own listing will do, which opens its session.
    /// </summary>
    private async Task<IEnumerable<JsonObject>?> ListingWithoutOwnSessionAsync(UpstreamLink link, ToolListing listing, CancellationToken cancellationToken)
    {
        var probed = catalog.CapabilitiesOf(link.Name);
        if (probed is { Tools: null })
        {
            return [];
        }

        if (listing == ToolListing.Own)
        {
            return null;
        }

        if (_listsAsTheCatalog)
        {
            return listing == ToolListing.AsTheAgentSees && probed is null ? null : CataloguedTools(link);
        }

        if (probed is null && listing == ToolListing.AsTheAgentSees)
        {
            // Down for the catalogue's connection too: the session's own attempt says why, as it did before.
            return null;
        }

        if (catalog.Listings.Cached(link.Name, _listingShape, ListKinds.Tools) is { Tools: { } cached })
        {
            return cached;
        }

        if (listing == ToolListing.Known || probed is null)
        {
            return CataloguedTools(link);
        }

        var forCapabilities = await catalog.Listings.ListAsync(
            link.Name, link.Options, _declared, _protocolVersion, _clientInfo, ListKinds.Tools, cancellationToken);
        return forCapabilities?.Tools ?? (listing == ToolListing.Rechecked ? CataloguedTools(link) : null);
    }

    private IEnumerable<JsonObject> CataloguedTools(UpstreamLink link) =>
        catalog.Tools.Where(t => t.UpstreamName == link.Name).Select(t => t.Definition);

    /// <summary>How a tool listing treats an upstream this session has not used yet.</summary>
    private enum ToolListing
    {
        /// <summary>As the catalogue knows it; opens nothing (a list for comparison, not an answer).</summary>
        Known,

        /// <summary>
        /// As the upstream would list it to this agent, while the catalogue's connection is up: the catalogue's listing
        /// when that is the same (the agent declared no client capabilities), else the listing for clients that declare
        /// what it did (servers offer some tools only to those). Failing that, the session's own, which opens it.
        /// </summary>
        AsTheAgentSees,

        /// <summary>As <see cref="AsTheAgentSees"/>, but opens nothing of the session's: the catalogue's listing when all else fails.</summary>
        Rechecked,

        /// <summary>The session's own listing, which opens its session with every upstream that may offer tools.</summary>
        Own,
    }

    /// <summary>
    /// An upstream (re)connected or said its tools changed: an agent that has listed tools is told to list them again if
    /// the list is now another (an upstream that was down when it listed has come up with tools, or with other tools).
    /// </summary>
    private async Task ToolListMayHaveChangedAsync(ToolListing listing)
    {
        if (_listed.Get(ListedDigests.EveryUpstream, RequestMethods.ToolsList) is not { Told: false } listed || _closed.IsCancellationRequested)
        {
            return;
        }

        try
        {
            var (tools, _) = await CollectToolsAsync(listing, _closed.Token);

            // A second look that finds the same (the catalogue's, after the listing's) tells it nothing twice.
            if (_listed.Changed(ListedDigests.EveryUpstream, RequestMethods.ToolsList, listed, ListedDigests.DigestOf(tools)))
            {
                await SendListChangedAsync(NotificationMethods.ToolListChangedNotification, "(reconnected upstream)");
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The session closed meanwhile.
        }
    }

    /// <summary>
    /// The agent's own session on <paramref name="link"/> opened (first used, or again after a restart): each of that
    /// upstream's lists (resources, templates, prompts) the agent was listed, from the gateway's listing or an earlier
    /// session, is listed again on it, and the agent told to list again where it is another (a server that lists per
    /// session, or came back with other resources). Lists it never asked for cost no request; tools are compared whole
    /// (<see cref="ToolListMayHaveChangedAsync"/>).
    /// </summary>
    private async Task ListsMayHaveChangedAsync(UpstreamLink link, McpClient client)
    {
        var changed = ListKinds.None;
        foreach (var method in OtherLists)
        {
            if (_listed.Get(link.Name, method) is not { Told: false } listed || _closed.IsCancellationRequested)
            {
                continue;
            }

            var kind = ListedDigests.KindOf(method);
            var offered = client.ServerCapabilities.Lists().HasFlag(kind);
            try
            {
                var now = offered ? await _routes.ListAllAsync(link, method, listed.Whole ? int.MaxValue : 1, _closed.Token) : [];
                if (_listed.Changed(link.Name, method, listed, ListedDigests.DigestOf(now)))
                {
                    changed |= kind;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not ObjectDisposedException)
            {
                // Not comparable now (down again, or the list refused): the agent keeps what it has, as before.
                Log.ListRecheckFailed(logger, link.Name, method, identity.SessionId, ex.Message);
            }
            catch (Exception)
            {
                // The session closed meanwhile.
                return;
            }
        }

        await SendListsChangedAsync(changed, "(reconnected upstream)");
    }

    private async Task<JsonNode?> CallToolAsync(McpServer server, JsonRpcRequest request, AgentPresence? presence, CancellationToken cancellationToken)
    {
        var name = request.Params?["name"] switch
        {
            null => throw new McpProtocolException("tools/call needs a 'name'.", McpErrorCode.InvalidParams),
            var given => given.AsString() ?? throw new McpProtocolException(
                $"tools/call 'name' must be a string, not {given.GetValueKind().ToString().ToLowerInvariant()}.", McpErrorCode.InvalidParams),
        };
        if (request.Params?["arguments"] is { } args and not JsonObject)
        {
            throw await pipeline.RefuseArgumentsNotAnObjectAsync(identity, TryResolveTool(name, out var known) ? known : null, name, args);
        }

        if (!TryResolveTool(name, out var tool))
        {
            // Upstreams may offer tools only to some clients (e.g. sampling-capable ones): learn this session's list once.
            // A down upstream does not stop that: a name nobody serves is an unknown tool, audited as one.
            await CollectToolsAsync(ToolListing.Own, cancellationToken);
            if (!TryResolveTool(name, out tool))
            {
                throw await pipeline.RefuseUnknownToolAsync(identity, name, request.Params?["arguments"] as JsonObject);
            }
        }

        var link = _routes.Link(tool.UpstreamName)!;
        if (_tasksEnabled && tasks is not null && request.Params?["task"] is JsonObject taskParams)
        {
            tasks.EnsureOffered(tool, identity.Agent);
            return await CallAsTaskAsync(tasks, request, tool, link, taskParams, cancellationToken);
        }

        var progressToken = UpstreamRoutes.ProgressToken(request.Params);
        var progress = progressToken is null ? null : new ApprovalProgress(server, progressToken.DeepClone(), logger);
        return await pipeline.CallAsync(
            identity,
            tool,
            request.Params?["arguments"] as JsonObject,
            (frozen, ct) =>
            {
                if (progress is { Reported: > 0 } && _progressRoutes.TryGetValue(progressToken!.ToJsonString(), out var route))
                {
                    route.Offset = progress.Reported;
                }

                return ForwardToolCallAsync(request, tool, link, frozen, dropTask: false, ct);
            },
            progress,
            _agentCanElicit ? new ElicitationApprovalPrompt(server) : null,
            cancellationToken,
            presence is null ? null : presence.WhenConnectedAsync,
            () => WhyWithdrawn(request.Id, presence));
    }

    /// <summary>
    /// A task-augmented call: held, it becomes a gateway task and reaches the upstream as a plain call once approved
    /// (as a task the gateway task waits for, when the upstream runs the tool only as one); not held, its <c>task</c>
    /// goes to an upstream that runs the tool as a task, and is dropped for one that does not.
    /// </summary>
    private async Task<JsonNode?> CallAsTaskAsync(
        GatewayTasks gatewayTasks, JsonRpcRequest request, UpstreamTool tool, UpstreamLink link, JsonObject taskParams, CancellationToken cancellationToken)
    {
        var started = await gatewayTasks.CallAsync(
            identity,
            tool.Name,
            taskParams,
            run => pipeline.CallAsync(
                identity,
                tool,
                request.Params?["arguments"] as JsonObject,
                async (frozen, ct) =>
                {
                    run.Sent();
                    return run.IsHeld && GatewayTasks.UpstreamRequiresTasks(tool.Definition)
                        ? await gatewayTasks.RunUpstreamTaskAsync(link, sent => ForwardToolCallAsync(request, tool, link, frozen, dropTask: false, sent), ct)
                        : await ForwardToolCallAsync(
                            request, tool, link, frozen, dropTask: run.IsHeld || !GatewayTasks.UpstreamRunsTasks(tool.Definition), ct);
                },
                run,
                null,
                run.CancellationToken),
            NotifyTaskStatusAsync,
            cancellationToken);
        _sessionTasks.Track(started, link);
        return started.Reply;
    }

    private Task NotifyTaskStatusAsync(JsonObject task) =>
        _sessionServer is { } server && !_closed.IsCancellationRequested
            ? server.SendMessageAsync(new JsonRpcNotification { Method = TaskMethods.StatusNotification, Params = task }, CancellationToken.None)
            : Task.CompletedTask;

    /// <summary>
    /// The agent's own <c>tools/call</c> params, with the upstream's name for the tool and exactly the frozen
    /// arguments (never a second copy from the agent). <c>"arguments": null</c>, no arguments to the policy, goes as
    /// sent: upstreams differ on it (the TypeScript SDK refuses it, the C# SDK takes it for none), and each answers
    /// the agent as it would directly.
    /// </summary>
    private static Task<JsonNode?> ForwardToolCallAsync(
        JsonRpcRequest request, UpstreamTool tool, UpstreamLink link, JsonObject frozen, bool dropTask, CancellationToken cancellationToken)
    {
        var forwarded = new JsonObject();
        var sentNull = false;
        foreach (var (key, value) in request.Params!.AsObject())
        {
            if (key == "arguments")
            {
                sentNull = value is null;
            }
            else if (!(dropTask && key == "task"))
            {
                forwarded[key] = value?.DeepClone();
            }
        }

        forwarded["name"] = tool.OriginalName;
        forwarded["arguments"] = sentNull && frozen.Count == 0 ? null : frozen.DeepClone();
        return UpstreamRoutes.SendAsync(link, RequestMethods.ToolsCall, forwarded, cancellationToken);
    }

    private bool TryResolveTool(string name, [MaybeNullWhen(false)] out UpstreamTool tool)
    {
        if (catalog.TryGet(name, out tool))
        {
            return true;
        }

        // A tool the upstream added after the catalog last listed it, but that this session has seen: classified as it
        // was listed (annotations, description), since by its name alone a new critical tool may pass as a plain write.
        if (_routes.OwnerOf("tool", name) is { } link)
        {
            var prefix = link.Options.ToolPrefix ?? "";
            tool = _uncatalogued.TryGetValue(name, out var listed) && listed.UpstreamName == link.Name
                ? listed
                : ToolCatalog.Describe(link.Name, prefix, new JsonObject { ["name"] = name[prefix.Length..] });
            return true;
        }

        return false;
    }

    private const string RemotePrefix = "Request failed (remote): ";

    /// <summary>The upstream's own error text, without the SDK's prefix, so agents see what the server said.</summary>
    internal static string UpstreamMessage(string message) =>
        message.StartsWith(RemotePrefix, StringComparison.Ordinal) ? message[RemotePrefix.Length..] : message;

    private static JsonRpcError Error(RequestId id, int code, string message) =>
        new() { Id = id, Error = new JsonRpcErrorDetail { Code = code, Message = message } };

    /// <summary>The session's place under the session limits, given back once its upstream sessions are closed.</summary>
    public void Hold(IDisposable? slot) => _slot = slot;

    /// <summary>The agent's <c>initialize</c> was refused: nothing was opened upstream, so the session takes no place under the limits.</summary>
    public void Refused() => Interlocked.Exchange(ref _slot, null)?.Dispose();

    public async ValueTask DisposeAsync()
    {
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        await _closed.CancelAsync();
        catalog.Changed -= CatalogChanged;
        catalog.Listings.Forgotten -= ListingForgotten;
        catalog.ListsNewlyOffered -= ListsNewlyOffered;
        _policyReloads?.Dispose();
        streams?.ForgetSession(identity.SessionId);
        Log.SessionClosed(logger, identity.SessionId, identity.Agent);
        var running = _sessionTasks.Running();
        if (running.Length > 0)
        {
            // Held tasks outlive the agent's connection: their calls still need this session's upstream clients.
            _ = Task.WhenAll(running).ContinueWith(_ => CloseLinksAsync(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            return;
        }

        await CloseLinksAsync();
    }

    /// <summary>One of the agent's requests in flight, and the server bound to its stream.</summary>
    private sealed class AgentRequest(RequestId id, long order, McpServer server) : IAgentRequestOrigin
    {
        public RequestId Id => id;

        public long Order => order;

        public McpServer Server => server;

        /// <summary>What the agent's <c>notifications/cancelled</c> for it said, once one came with a reason.</summary>
        public volatile string? CancelReason;

        /// <summary>That reason as the agent gave it, for the upstreams working on the request.</summary>
        public string? CancelledWith { get; set; }
    }

    /// <summary>Where the upstream's progress for one of the agent's requests goes: that request's stream.</summary>
    private sealed class ProgressRoute(McpServer server)
    {
        public McpServer Server => server;

        /// <summary>How many reports the gateway itself sent on the token while the call waited for approval.</summary>
        public int Offset { get; set; }

        /// <summary>
        /// MCP has progress only increase on a token, and the upstream starts its own count after the gateway's wait
        /// reports: its figures (and total) go on from where those stopped, so a client's bar never runs backwards.
        /// </summary>
        public void CountOn(JsonNode? parameters)
        {
            if (Offset == 0 || parameters is not JsonObject progress)
            {
                return;
            }

            foreach (var key in (ReadOnlySpan<string>)["progress", "total"])
            {
                if (progress[key] is JsonValue value && value.TryGetValue<double>(out var figure))
                {
                    var moved = figure + Offset;
                    progress[key] = moved == Math.Floor(moved) && Math.Abs(moved) < long.MaxValue ? JsonValue.Create((long)moved) : JsonValue.Create(moved);
                }
            }
        }
    }

    private async Task CloseLinksAsync()
    {
        foreach (var link in _routes.Links)
        {
            await link.DisposeAsync();
            board.Forget(link.Name, identity.SessionId);
        }

        // Counted until its upstream sessions are gone, since they are what the limit protects.
        Interlocked.Exchange(ref _slot, null)?.Dispose();
        _closed.Dispose();
        _ending.Dispose();
    }
}
