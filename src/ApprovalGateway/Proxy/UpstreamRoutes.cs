using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Proxy.Tasks;
using ApprovalGateway.Upstreams;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// One agent session's upstream connections, and which of them owns each tool, resource and prompt the agent has
/// been shown, so that a read, a prompt or a completion goes back to the upstream that listed it. A connection is opened
/// by the first request that needs its upstream; until then what the upstream offers is what the gateway's own
/// connection to it learnt (<paramref name="probed"/>, null when it does not know).
/// </summary>
internal sealed class UpstreamRoutes(IReadOnlyList<UpstreamLink> links, Func<string, ServerCapabilities?> probed, ILogger logger, string sessionId)
{
    private static readonly TimeSpan CancelNoticeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The levels of <c>logging/setLevel</c>, RFC 5424's as MCP names them.</summary>
    private static readonly string[] LogLevels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

    /// <summary>How long an answer waits for the progress before it to reach the agent; an agent that reads slowly only delays it this much.</summary>
    private static readonly TimeSpan ProgressRelayLimit = TimeSpan.FromSeconds(5);

    private static long s_lastRequestId;

    private readonly ConcurrentDictionary<string, string> owners = new(StringComparer.Ordinal);

    // What the agent set up on its upstream sessions, so that a restarted upstream (a new process, a new session), or
    // one first used after it was set, gets it too instead of silently dropping it: the log level asked for, and each subscribed resource's upstream.
    private readonly ConcurrentDictionary<string, string> subscriptions = new(StringComparer.Ordinal);
    private JsonNode? level;

    public static UpstreamRoutes None { get; } = new([], _ => null, NullLogger.Instance, "");

    public IReadOnlyList<UpstreamLink> Links => links;

    /// <summary>The upstream <paramref name="name"/>, or null when this session has none by that name.</summary>
    public UpstreamLink? Link(string name) => links.FirstOrDefault(l => l.Name == name);

    /// <summary>Remembers that <paramref name="link"/> listed <paramref name="id"/> of this <paramref name="kind"/> (tool, resources, prompts).</summary>
    public void Own(string kind, string id, UpstreamLink link) => owners[$"{kind}:{id}"] = link.Name;

    public UpstreamLink? OwnerOf(string kind, string id) =>
        owners.TryGetValue($"{kind}:{id}", out var upstream) ? Link(upstream) : null;

    /// <summary>
    /// What <paramref name="link"/> offers, as far as is known without opening its session: its session's own answer
    /// once it has one; before its first use, what the gateway's own connection learnt; null when neither is known (a
    /// started link that is down, or an upstream the gateway has not reached).
    /// </summary>
    public ServerCapabilities? KnownCapabilities(UpstreamLink link)
    {
        if (!link.IsStarted)
        {
            return probed(link.Name);
        }

        try
        {
            return link.IsConnected ? link.GetClient().ServerCapabilities : null;
        }
        catch (UpstreamUnavailableException)
        {
            // It went down between the two looks.
            return null;
        }
    }

    /// <summary>
    /// The upstream that listed <paramref name="id"/>; else the first one known to offer the capability, so a request for
    /// something never listed still gets the upstream's own answer.
    /// </summary>
    public UpstreamLink Owner(JsonNode? id, Func<ServerCapabilities, bool> offers)
    {
        var key = id.AsString();
        foreach (var kind in (string[])["resources", "prompts", "tool"])
        {
            if (key is not null && OwnerOf(kind, key) is { } owner)
            {
                return owner;
            }
        }

        return links.FirstOrDefault(l => KnownCapabilities(l) is { } capabilities && offers(capabilities))
            ?? (links.Count > 0 ? links[0] : null)
            ?? throw new McpProtocolException("No upstream is configured.", McpErrorCode.InternalError);
    }

    /// <summary>
    /// A list request (resources, templates, prompts) answered from every upstream that offers it: one this session has
    /// not used yet from what <paramref name="withoutOwnSession"/> knows it lists (the gateway's listing for clients like
    /// the agent), the others through this session's connection, opened to those that offer it (and to those whose offer
    /// is not known yet). A down upstream, or one that answers the list with an error (method-not-found, or any other,
    /// which is logged), is left out rather than failing the others' answer; only when none that offers it answers does
    /// the agent get the reason. What each upstream listed goes into <paramref name="digests"/>, for its sessions opened
    /// later to compare with.
    /// </summary>
    public async Task<JsonNode?> ListAsync(
        JsonRpcRequest request,
        string? ownerKey,
        Func<ServerCapabilities, bool> offers,
        Func<UpstreamLink, CancellationToken, Task<ListedItems?>> withoutOwnSession,
        ListedDigests digests,
        CancellationToken cancellationToken)
    {
        var key = ItemsKey(request.Method);

        // A listing answers with every page at once, so a cursor the agent sends came from an upstream's own page: it
        // goes the way it came.
        var fromStart = request.Params?["cursor"] is null;
        if (fromStart)
        {
            digests.Listing(request.Method);
        }

        var offering = new List<UpstreamLink>();
        UpstreamUnavailableException? down = null;
        foreach (var link in links)
        {
            try
            {
                var capabilities = KnownCapabilities(link) ?? (await link.ConnectAsync(cancellationToken)).ServerCapabilities;
                if (offers(capabilities))
                {
                    offering.Add(link);
                }
            }
            catch (UpstreamUnavailableException ex)
            {
                down ??= ex;
                Shown(link, []);
            }
        }

        if (offering.Count == 0 && down is not null)
        {
            throw down;
        }

        var listed = fromStart ? await ListedWithoutOwnSessionAsync(offering, withoutOwnSession, cancellationToken) : [];
        if (offering.Count == 1 && listed.TryGetValue(offering[0], out var only))
        {
            var items = Shown(offering[0], only.Items());
            return only.OnlyPage?.DeepClone() ?? new JsonObject { [key] = new JsonArray([.. items.Select(i => i.DeepClone())]) };
        }

        // Several upstreams: every page of each, merged, remembering who owns what so reads route back.
        var merged = new JsonArray();
        JsonNode? single = null;
        var failed = 0;
        Exception? reason = null;
        foreach (var link in offering)
        {
            try
            {
                // A kept refusal throws here, and is left out below as its own session's answer would be.
                var items = listed.TryGetValue(link, out var kept) ? kept.Items() : await ListOneAsync(link);
                foreach (var item in Shown(link, items, whole: offering.Count > 1 || single?["nextCursor"] is null))
                {
                    if (offering.Count > 1)
                    {
                        merged.Add(item.DeepClone());
                    }
                }
            }
            catch (Exception ex) when (offering.Count > 1 && ex is UpstreamUnavailableException or UpstreamProtocolException)
            {
                // Down, serving no such list (one offering resources need not serve templates), or failing to list it:
                // the others still answer. An error other than method-not-found hides items it may have, so it is told.
                // Shown none of its items, the agent is told when its session there comes back listing some.
                Shown(link, []);
                if (ex is UpstreamProtocolException refused && !NotServed(ex))
                {
                    Log.ListLeftOut(logger, link.Name, request.Method, sessionId, refused.Error.Code, refused.Error.Message);
                }

                // When none answers, the agent is told the first failure; but one that says what went wrong (down, or an
                // error) rather than another's method-not-found, which would tell it no upstream serves the list at all.
                if (reason is null || (NotServed(reason) && !NotServed(ex)))
                {
                    reason = ex;
                }

                if (++failed == offering.Count)
                {
                    ExceptionDispatchInfo.Throw(reason);
                }
            }
        }

        return offering.Count == 1 ? single : new JsonObject { [key] = merged };

        // Remembers who owns each item, so reads of it route back, and what the agent was shown; returns the items.
        IReadOnlyList<JsonObject> Shown(UpstreamLink link, IReadOnlyList<JsonObject> items, bool whole = true)
        {
            foreach (var item in items)
            {
                if (ownerKey is not null && item[ownerKey].AsString() is { } id)
                {
                    Own(key, id, link);
                }
            }

            // A later page the agent asked for itself leaves the first standing for the list.
            if (fromStart)
            {
                digests.Record(link.Name, request.Method, items, whole);
            }

            return items;
        }

        // Every page of the link's list (with several upstreams; with one, the page asked for), taken only once all came.
        async Task<List<JsonObject>> ListOneAsync(UpstreamLink link)
        {
            if (offering.Count > 1)
            {
                return await ListAllAsync(link, request.Method, int.MaxValue, cancellationToken);
            }

            // The agent pages through its only upstream's own pages: the first stands for the list.
            single = await SendAsync(link, request.Method, request.Params?.DeepClone(), cancellationToken);
            return ItemsOf(single, key);
        }
    }

    /// <summary>Whether the upstream answered that it serves no such list (method-not-found).</summary>
    private static bool NotServed(Exception ex) => ex is UpstreamProtocolException { Error.Code: (int)McpErrorCode.MethodNotFound };

    /// <summary>Where a list's answer has its items.</summary>
    private static string ItemsKey(string method) => method switch
    {
        RequestMethods.ResourcesList => "resources",
        RequestMethods.ResourcesTemplatesList => "resourceTemplates",
        RequestMethods.PromptsList => "prompts",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Not a list of resources, templates or prompts."),
    };

    private static List<JsonObject> ItemsOf(JsonNode? page, string key) => [.. (page?[key] as JsonArray ?? []).OfType<JsonObject>()];

    /// <summary>
    /// The items of <paramref name="link"/>'s <paramref name="method"/> list through this session's connection, following
    /// its cursors for at most <paramref name="pages"/> pages (a cursor it gave before ends the listing as a failure).
    /// </summary>
    public async Task<List<JsonObject>> ListAllAsync(UpstreamLink link, string method, int pages, CancellationToken cancellationToken)
    {
        var key = ItemsKey(method);
        var items = new List<JsonObject>();
        var cursors = new ListingCursors(link.Name, method, logger);
        JsonObject? parameters = null;
        do
        {
            var page = await SendAsync(link, method, parameters, cancellationToken);
            items.AddRange(ItemsOf(page, key));
            parameters = --pages > 0 && cursors.Next(page?["nextCursor"]) is { } cursor ? new JsonObject { ["cursor"] = cursor.DeepClone() } : null;
        }
        while (parameters is not null);

        return items;
    }

    /// <summary>
    /// What each upstream in <paramref name="offering"/> that this session has not used yet lists, where that is known
    /// without its session (asked side by side: each may take a short session of the gateway's own).
    /// </summary>
    private static async Task<Dictionary<UpstreamLink, ListedItems>> ListedWithoutOwnSessionAsync(
        List<UpstreamLink> offering, Func<UpstreamLink, CancellationToken, Task<ListedItems?>> withoutOwnSession, CancellationToken cancellationToken)
    {
        var unused = offering.Where(l => !l.IsStarted).ToList();
        var listings = await Task.WhenAll(unused.Select(l => withoutOwnSession(l, cancellationToken)));
        var known = new Dictionary<UpstreamLink, ListedItems>();
        for (var i = 0; i < unused.Count; i++)
        {
            // Started meanwhile (by another of the agent's requests): its own session answers, as it would from now on.
            if (listings[i] is { } items && !unused[i].IsStarted)
            {
                known[unused[i]] = items;
            }
        }

        return known;
    }

    /// <summary>
    /// The log level goes to the upstreams whose sessions are open; one opened later (first used, or restarted) gets it
    /// as it opens (<see cref="RestoreAsync"/>), so setting it opens nothing.
    /// </summary>
    /// <exception cref="McpProtocolException">The level is not one MCP defines: it is neither sent nor kept, so the
    /// level set before it is still the one an upstream's next session is given.</exception>
    public async Task<JsonNode?> SetLevelAsync(JsonRpcRequest request, CancellationToken cancellationToken)
    {
        if (request.Params?["level"] is not JsonValue named || !named.TryGetValue<string>(out var asked) || !LogLevels.Contains(asked))
        {
            throw new McpProtocolException(
                $"logging/setLevel needs a 'level' of {string.Join(", ", LogLevels[..^1])} or {LogLevels[^1]}.", McpErrorCode.InvalidParams);
        }

        Volatile.Write(ref level, request.Params.DeepClone());
        foreach (var link in links.Where(l => l.IsConnected && KnownCapabilities(l)?.Logging is not null))
        {
            await SendAsync(link, request.Method, request.Params.DeepClone(), cancellationToken);
        }

        return new JsonObject();
    }

    /// <summary><c>resources/subscribe</c> or <c>unsubscribe</c> at the resource's upstream, remembered for its restarts.</summary>
    public async Task<JsonNode?> SubscriptionAsync(UpstreamLink link, JsonRpcRequest request, CancellationToken cancellationToken)
    {
        var result = await ForwardAsync(link, request, cancellationToken);
        if (request.Params?["uri"].AsString() is { } uri)
        {
            if (request.Method == RequestMethods.ResourcesSubscribe)
            {
                subscriptions[uri] = link.Name;
            }
            else
            {
                subscriptions.TryRemove(uri, out _);
            }
        }

        return result;
    }

    /// <summary>
    /// Sets up <paramref name="link"/>'s new session <paramref name="client"/> (its first, or one after a restart) as the
    /// agent had it: its log level and its subscriptions. Failures are logged, not thrown: the session goes on, as the
    /// upstream's own answer would have let it.
    /// </summary>
    public async Task RestoreAsync(UpstreamLink link, McpClient client, Action<string, string> failed, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref level) is { } setLevel && client.ServerCapabilities.Logging is not null)
        {
            await RestoreOneAsync(RequestMethods.LoggingSetLevel, setLevel.DeepClone());
        }

        foreach (var (uri, upstream) in subscriptions)
        {
            if (upstream == link.Name)
            {
                await RestoreOneAsync(RequestMethods.ResourcesSubscribe, new JsonObject { ["uri"] = uri });
            }
        }

        async Task RestoreOneAsync(string method, JsonNode parameters)
        {
            try
            {
                await SendAsync(link, client, method, parameters, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failed(method, ex.Message);
            }
        }
    }

    public static Task<JsonNode?> ForwardAsync(UpstreamLink link, JsonRpcRequest request, CancellationToken cancellationToken) =>
        SendAsync(link, request.Method, request.Params?.DeepClone(), cancellationToken);

    public static async Task<JsonNode?> SendAsync(UpstreamLink link, string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        StripProtocolMeta(parameters);
        var client = await link.ConnectAsync(cancellationToken);
        try
        {
            return await SendAsync(link, client, method, parameters, cancellationToken);
        }
        catch (Exception ex) when (Unsent(ex) is { } lost)
        {
            // It never reached the upstream (a refused connection, a session the upstream no longer knows), so sending it
            // again cannot make it run twice: once more, on the session the link opens next, if that one opens.
            if (await link.NextSessionAsync(client, cancellationToken) is not { } next)
            {
                throw NotDelivered(link, method, lost);
            }

            try
            {
                return await SendAsync(link, next, method, parameters, cancellationToken);
            }
            catch (Exception retried) when (Unsent(retried) is { } again)
            {
                throw NotDelivered(link, method, again);
            }
        }
    }

    /// <summary>
    /// The session's loss that kept the request from ever reaching the upstream, or null when it may have reached it:
    /// only a POST the session watch refused is certainly unsent, and so the only one sent again. HttpClient reports
    /// that refusal as a cancellation when ending the session has already cancelled the connection. A refusal met by
    /// the SDK's GET resuming a POST's answer says nothing of the POST, which did reach the upstream.
    /// </summary>
    private static UpstreamSessionLostException? Unsent(Exception ex) => ex switch
    {
        UpstreamSessionLostException { RefusedPost: true } lost => lost,
        OperationCanceledException { InnerException: UpstreamSessionLostException { RefusedPost: true } lost } => lost,
        _ => null,
    };

    private static UpstreamUnavailableException NotDelivered(UpstreamLink link, string method, UpstreamSessionLostException lost) =>
        new(link.Name, $"{link.DownReason ?? $"Upstream '{link.Name}' lost its session ({lost.Message})."} {method} did not reach it.", lost);

    private static async Task<JsonNode?> SendAsync(UpstreamLink link, McpClient client, string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        // An id of our own, so a cancelled request can be named to the upstream: the SDK's client drops a cancelled
        // Streamable HTTP POST without telling the server, which would then run the call to its end.
        var request = new JsonRpcRequest
        {
            Id = new RequestId($"gateway-{Interlocked.Increment(ref s_lastRequestId)}"),
            Method = method,
            Params = parameters,
        };

        var progressToken = ProgressToken(parameters)?.ToJsonString();
        using var forwarding = link.ClientRole?.Forward(request.Id, progressToken);

        // tasks/result waits, by design, for as long as the task runs; the task's own lifetime bounds it.
        if (method == TaskMethods.Result)
        {
            try
            {
                return (await client.SendRequestAsync(request, cancellationToken)).Result;
            }
            catch (McpProtocolException ex) when (forwarding?.Error is { } error)
            {
                throw new UpstreamProtocolException(error, ex);
            }
        }

        var cutoff = link.Options.IsStdio ? null : ResponseSizeLimitHandler.Watch();
        var clock = new RequestClock(link.Options, TimeProvider.System);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        waiting.CancelAfter(clock.Next());
        await using var progressWatch = progressToken is { } token
            ? client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
            {
                if ((notification.Params as JsonObject)?["progressToken"]?.ToJsonString() == token)
                {
                    clock.Restart(waiting);
                }

                return ValueTask.CompletedTask;
            })
            : null;
        try
        {
            var response = await client.SendRequestAsync(request, waiting.Token);
            if (progressToken is not null && forwarding is not null)
            {
                await forwarding.ProgressRelayedAsync(ProgressRelayLimit);
            }

            return response.Result;
        }
        catch (McpProtocolException ex) when (forwarding?.Error is { } error)
        {
            await forwarding.ProgressRelayedAsync(ProgressRelayLimit);
            throw new UpstreamProtocolException(error, ex);
        }
        catch (OperationCanceledException) when (waiting.IsCancellationRequested)
        {
            var timedOut = !cancellationToken.IsCancellationRequested;
            _ = TellCancelledAsync(
                client,
                request.Id,
                timedOut ? "the gateway's request timeout passed"
                : (UpstreamClientRole.Origin as IAgentRequestOrigin)?.CancelledWith ?? "the agent cancelled the request");
            if (!timedOut)
            {
                throw;
            }

            throw new UpstreamUnavailableException(link.Name, clock.TimedOutMessage(link.Name, method));
        }
        catch (Exception ex) when (Unsent(ex) is { } unsent && !cancellationToken.IsCancellationRequested)
        {
            // Passed on as the session's loss it is, however HttpClient reported it, for the caller to send it again.
            ExceptionDispatchInfo.Throw(unsent);
            throw;
        }
        catch (Exception ex) when (cutoff?.Happened == true)
        {
            throw new UpstreamUnavailableException(
                link.Name,
                $"Upstream '{link.Name}' answered {method} with more than {link.Options.MaxResponseBytes} bytes, so the gateway stopped " +
                $"reading it (Gateway:Upstreams:{link.Name}:MaxResponseBytes).",
                ex);
        }
        catch (Exception ex) when (EndedOnATooLargeMessage(ex, client))
        {
            throw new UpstreamUnavailableException(
                link.Name,
                $"Upstream '{link.Name}' sent a message of more than {link.Options.MaxResponseBytes} bytes while the gateway waited for its answer to " +
                $"{method}, so the gateway stopped reading it and opens a new session with it (Gateway:Upstreams:{link.Name}:MaxResponseBytes).",
                ex);
        }
        catch (Exception ex) when (ex is not McpProtocolException && Unsent(ex) is null && !link.Options.IsStdio)
        {
            // The answer did not come: the SDK's client ends a Streamable HTTP answer cut off by a dead server as one that
            // came without a reply, before anything has noticed the server is gone. Asking the session at once tells.
            if ((SessionLost(ex, client) ?? await CheckSessionAsync(link, client)) is not { } lost)
            {
                throw;
            }

            // It may have reached the upstream, which may have acted on it: never sent again.
            throw new UpstreamUnavailableException(
                link.Name,
                $"Upstream '{link.Name}' went down before answering {method} ({lost.Message}), so whether it acted on it is not known; " +
                "the gateway opens a new session with it.",
                ex);
        }
    }

    /// <summary>Whether the session still answers a ping, as long as connecting may take; if it is lost, why.</summary>
    private static async Task<UpstreamSessionLostException?> CheckSessionAsync(UpstreamLink link, McpClient client)
    {
        try
        {
            using var limit = new CancellationTokenSource(link.Options.ConnectTimeout);
            await client.PingAsync(cancellationToken: limit.Token);
            return null;
        }
        catch (Exception ex)
        {
            return ex as UpstreamSessionLostException ?? SessionLost(ex, client);
        }
    }

    /// <summary>
    /// Why the HTTP session that <paramref name="ex"/> ended a request on was lost, if it was: the failed request says so
    /// when the session's end reached it; when the link disposed the dead session first, the request was only cancelled,
    /// and the session says.
    /// </summary>
    private static UpstreamSessionLostException? SessionLost(Exception ex, McpClient client) =>
        ex is ClientTransportClosedException { Details.Exception: UpstreamSessionLostException failed } ? failed
        : client.Completion is { IsCompletedSuccessfully: true, Result.Exception: UpstreamSessionLostException lost } ? lost
        : null;

    /// <summary>
    /// Whether the session ended on an over-long message (stdio, or the older HTTP+SSE transport's event stream). The
    /// failed request says so when the session's end reached it; when the link disposed the dead session first, the
    /// request was only cancelled, and the session says.
    /// </summary>
    private static bool EndedOnATooLargeMessage(Exception ex, McpClient client) =>
        ex.InnerException is UpstreamMessageTooLargeException
        || client.Completion is { IsCompletedSuccessfully: true, Result.Exception: UpstreamMessageTooLargeException };

    /// <summary>The progress token a request's <c>_meta</c> carries, if any.</summary>
    public static JsonNode? ProgressToken(JsonNode? requestParameters) =>
        ((requestParameters as JsonObject)?["_meta"] as JsonObject)?["progressToken"];

    /// <summary>
    /// The time one upstream request may still take: <see cref="UpstreamOptions.RequestTimeout"/> from its start or
    /// its latest progress report, never past <see cref="UpstreamOptions.MaxRequestDuration"/> in all.
    /// </summary>
    private sealed class RequestClock(UpstreamOptions options, TimeProvider time)
    {
        private readonly long _started = time.GetTimestamp();
        private volatile bool _progressed;

        // Which limit the timer last armed stands for; a timer may fire a hair before the clock agrees.
        private volatile bool _capped;

        public TimeSpan Next()
        {
            var left = options.MaxRequestDuration - time.GetElapsedTime(_started);
            _capped = left <= options.RequestTimeout;
            return _capped ? (left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1)) : options.RequestTimeout;
        }

        public void Restart(CancellationTokenSource waiting)
        {
            _progressed = true;
            try
            {
                waiting.CancelAfter(Next());
            }
            catch (ObjectDisposedException)
            {
                // The request ended while its progress was being read.
            }
        }

        public string TimedOutMessage(string upstream, string method) =>
            _capped
                ? $"Upstream '{upstream}' was still working on {method} after {ToolCallPipeline.FormatDuration(options.MaxRequestDuration)}, the most " +
                  $"a request may take, so the gateway stopped waiting and asked it to cancel (Gateway:Upstreams:{upstream}:MaxRequestDuration)."
                : $"Upstream '{upstream}' did not answer {method} within {ToolCallPipeline.FormatDuration(options.RequestTimeout)}" +
                  $"{(_progressed ? " of its last progress report" : "")}, so the gateway stopped waiting and asked it to cancel " +
                  $"(Gateway:Upstreams:{upstream}:RequestTimeout).";
    }

    private static async Task TellCancelledAsync(McpClient client, RequestId id, string reason)
    {
        try
        {
            using var limit = new CancellationTokenSource(CancelNoticeTimeout);
            await client.SendMessageAsync(
                new JsonRpcNotification
                {
                    Method = NotificationMethods.CancelledNotification,
                    // The id as the request had it: a number sent as a string names no request the upstream knows.
                    Params = JsonSerializer.SerializeToNode(
                        new CancelledNotificationParams { RequestId = id, Reason = reason }, McpJsonUtilities.DefaultOptions),
                },
                limit.Token);
        }
        catch (Exception)
        {
            // Only a courtesy: an upstream that is gone or stuck has nothing left to stop.
        }
    }

    /// <summary>
    /// Newer clients put <c>io.modelcontextprotocol/*</c> keys in <c>_meta</c>; those describe the agent's hop,
    /// and upstreams on older protocol versions reject requests that carry them.
    /// </summary>
    private static void StripProtocolMeta(JsonNode? parameters)
    {
        if (parameters?["_meta"] is JsonObject meta)
        {
            foreach (var key in meta.Select(p => p.Key).Where(k => k.StartsWith("io.modelcontextprotocol/", StringComparison.Ordinal)).ToList())
            {
                meta.Remove(key);
            }
        }
    }
}
