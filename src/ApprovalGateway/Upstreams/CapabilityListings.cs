using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// What each upstream lists (tools, resources, resource templates, prompts) to clients that introduce themselves and
/// declare client capabilities as an agent did, learnt through one short session of the gateway's own that does the
/// same: servers offer some tools only to clients that can, say, sample (or only to some clients by name), so the
/// catalogue's listing (no capabilities) does not stand in for such an agent's, and without this every agent session
/// that listed anything (real clients list all four right after <c>initialize</c>) opened a session (for stdio, a
/// process) of its own on every upstream. Listings are kept per client and shape of declared capabilities; a list is
/// forgotten when the upstream says it changed, and all of them when its catalogue connection is new. Sessions
/// answered from one are told then (<see cref="Forgotten"/>), as nothing upstream tells them.
/// </summary>
internal sealed class CapabilityListings(UpstreamConnector connector, ILogger logger)
{
    /// <summary>Shapes kept per upstream; past it one is dropped, so odd clients cannot grow it without end.</summary>
    private const int MaxShapes = 32;

    private static long s_lastRequestId;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, Kept>> _byUpstream = new(StringComparer.Ordinal);

    /// <summary>
    /// Raised with an upstream's name and the lists of its that were forgotten, when some session may have been
    /// answered from them: what they said may be stale now.
    /// </summary>
    public event Action<string, ListKinds>? Forgotten;

    /// <summary>
    /// What a listing is kept under: the protocol version, the client's <c>clientInfo</c> whole and the declared
    /// capabilities exactly (keys in order), since a server may look at any part of them (<c>clientInfo.name</c> or
    /// <c>websiteUrl</c>, <c>elicitation.url</c>, <c>tasks.requests</c>, ...). A digest, so that a client declaring a
    /// large <c>experimental</c> object or introducing itself with many icons does not have it kept.
    /// </summary>
    public static string ShapeOf(JsonObject? declared, string protocolVersion, Implementation client)
    {
        var key = new JsonObject
        {
            ["protocolVersion"] = protocolVersion,
            ["clientInfo"] = Canonical(JsonSerializer.SerializeToNode(client, McpJsonUtilities.DefaultOptions) ?? new JsonObject()),
            ["capabilities"] = Canonical(declared ?? []),
        };
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToJsonString())));
    }

    /// <summary>The listing for <paramref name="shape"/> if one is known whose <paramref name="wanted"/> list still holds, without asking the upstream.</summary>
    public UpstreamListing? Cached(string upstream, string shape, ListKinds wanted)
    {
        lock (_gate)
        {
            return _byUpstream.TryGetValue(upstream, out var shapes) && shapes.TryGetValue(shape, out var kept)
                && Holds(kept, wanted) && kept.Listing.IsCompletedSuccessfully ? kept.Listing.Result : null;
        }
    }

    /// <summary>
    /// What <paramref name="upstream"/> lists to <paramref name="client"/> declaring <paramref name="declared"/>; asked
    /// once per shape (callers that come meanwhile share the answer), and again for a caller that wants a list said to
    /// have changed since. Null when the upstream could not be asked; the caller then asks through a session of its
    /// own, as it would have without this.
    /// </summary>
    public async Task<UpstreamListing?> ListAsync(
        string upstream, UpstreamOptions options, JsonObject? declared, string protocolVersion, Implementation client, ListKinds wanted,
        CancellationToken cancellationToken)
    {
        var shape = ShapeOf(declared, protocolVersion, client);
        Task<UpstreamListing?> listing;
        lock (_gate)
        {
            if (!_byUpstream.TryGetValue(upstream, out var shapes))
            {
                _byUpstream[upstream] = shapes = new(StringComparer.Ordinal);
            }

            if (shapes.TryGetValue(shape, out var kept) && Holds(kept, wanted))
            {
                listing = kept.Listing;
            }
            else
            {
                if (kept is null && shapes.Count >= MaxShapes)
                {
                    shapes.Remove(shapes.Keys.First());
                }

                // The lists that still hold are kept, not asked again: only those that failed or changed are.
                var holding = kept?.Listing is { IsCompletedSuccessfully: true, Result: { } earlier } ? earlier.Without(kept.Stale) : null;

                // Made for no one caller: one that gives up must not fail the others waiting for it.
                listing = ProbeAsync(upstream, options, declared, protocolVersion, client, holding);
                shapes[shape] = new Kept(listing);
                _ = ForgetIfFailedAsync(upstream, shape, listing);
            }
        }

        return await listing.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Forgets <paramref name="lists"/> of every listing of <paramref name="upstream"/>: it said they changed, or came
    /// back (all of them). A listing whose lists are all forgotten is dropped; one that wants a forgotten list asks again.
    /// </summary>
    public void Forget(string upstream, ListKinds lists)
    {
        var forgot = ListKinds.None;
        lock (_gate)
        {
            if (_byUpstream.TryGetValue(upstream, out var shapes))
            {
                foreach (var (shape, kept) in shapes.ToList())
                {
                    forgot |= lists & ~kept.Stale;
                    kept.Stale |= lists;
                    if (kept.Stale == ListKinds.All)
                    {
                        shapes.Remove(shape);
                    }
                }
            }
        }

        // Nothing kept means nobody was answered from it since the last time: they were told then.
        if (forgot != ListKinds.None)
        {
            Forgotten?.Invoke(upstream, forgot);
        }
    }

    /// <summary>
    /// Whether <paramref name="kept"/> answers for <paramref name="wanted"/>: none of them said to have changed since, and
    /// each of them listed. A list it could not list (an error other than method-not-found, which may be passing) is asked
    /// again by the next caller that wants it, as a listing that failed whole is, while its other lists go on answering;
    /// callers that come while that is under way share it, so a failing upstream is asked once at a time.
    /// </summary>
    private static bool Holds(Kept kept, ListKinds wanted) =>
        (kept.Stale & wanted) == 0
        && !(kept.Listing is { IsCompletedSuccessfully: true, Result: { } listed } && (listed.Unlisted & wanted) != 0);

    private async Task ForgetIfFailedAsync(string upstream, string shape, Task<UpstreamListing?> listing)
    {
        if (await listing is not null)
        {
            return;
        }

        lock (_gate)
        {
            if (_byUpstream.TryGetValue(upstream, out var shapes) && shapes.TryGetValue(shape, out var kept) && kept.Listing == listing)
            {
                shapes.Remove(shape);
            }
        }
    }

    /// <summary>
    /// Lists what <paramref name="upstream"/> lists to the agent's shape of client, on a short session of the gateway's
    /// own; the lists <paramref name="holding"/> has are taken from it rather than asked again.
    /// </summary>
    private async Task<UpstreamListing?> ProbeAsync(
        string upstream, UpstreamOptions options, JsonObject? declared, string protocolVersion, Implementation agent, UpstreamListing? holding)
    {
        await Task.Yield();
        var stopping = connector.GatewayStopping;

        // No agent stands behind this session: whatever the upstream asks its client (roots, sampling, ...) is refused.
        var role = new UpstreamClientRole(
            declared,
            (request, _, _) => Task.FromException<JsonRpcMessageWithId>(new McpProtocolException(
                $"The approval gateway lists what it offers on this session and answers no {request.Method}.", McpErrorCode.MethodNotFound)));

        // Introduced as the agent's own session is (its clientInfo whole): a server may list by any of it, and this
        // listing stands in for the one the agent's own session gets.
        var clientOptions = UpstreamConnector.CreateClientOptions(agent, protocolVersion);
        try
        {
            await using var client = await connector.ConnectAsync(upstream, options, clientOptions, role, stopping);
            var offers = client.ServerCapabilities;
            // Each the agent's own session can still ask for itself: one failing (its tools too) costs that list alone,
            // and the others, listed on this session, still answer every agent session without one of its own.
            return new UpstreamListing(
                offers.Tools is null ? [] : holding?.Tools ?? await ToolsAsync(),
                offers.Resources is null ? ListedItems.None
                    : holding?.Resources ?? await OtherListAsync(RequestMethods.ResourcesList, "resources", "resources"),
                offers.Resources is null ? ListedItems.None
                    : holding?.ResourceTemplates ?? await OtherListAsync(RequestMethods.ResourcesTemplatesList, "resourceTemplates", "resource templates"),
                offers.Prompts is null ? ListedItems.None : holding?.Prompts ?? await OtherListAsync(RequestMethods.PromptsList, "prompts", "prompts"));

            async Task<IReadOnlyList<JsonObject>?> ToolsAsync()
            {
                try
                {
                    return await WithinTimeoutAsync("tools", ct => ToolCatalog.ListAllToolsAsync(client, upstream, logger, ct));
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    Log.CapabilityListingFailed(logger, upstream, "tools", ex.Message);
                    return null;
                }
            }

            async Task<ListedItems?> OtherListAsync(string method, string key, string what)
            {
                try
                {
                    return await WithinTimeoutAsync(what, ct => ListAllPagesAsync(client, role, upstream, method, key, logger, ct));
                }
                catch (UpstreamProtocolException ex) when (ex.Error.Code == (int)McpErrorCode.MethodNotFound)
                {
                    // Not served to any session (servers that offer resources need not serve templates): the agent's own
                    // session would be told the same, so it is told this rather than opening one (a process) to hear it.
                    // Other errors may be this session's alone, and are not kept.
                    Log.ListNotServed(logger, upstream, what, ex.Message);
                    return ListedItems.NotServed(ex.Error);
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    Log.CapabilityListingFailed(logger, upstream, what, ex.Message);
                    return null;
                }
            }
        }
        catch (Exception ex)
        {
            if (!stopping.IsCancellationRequested)
            {
                // Named as asked: the lists still held were not asked again.
                Log.CapabilityListingFailed(logger, upstream, (holding?.Unlisted ?? ListKinds.All).Describe(), ex.Message);
            }

            // What still held goes on answering; the rest is asked again by the next that wants it.
            return holding is { Unlisted: not ListKinds.All } ? holding : null;
        }

        async Task<T> WithinTimeoutAsync<T>(string what, Func<CancellationToken, Task<T>> list)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            deadline.CancelAfter(options.RequestTimeout);
            try
            {
                return await list(deadline.Token);
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                throw new UpstreamUnavailableException(
                    upstream, $"Upstream '{upstream}' did not list its {what} within {options.RequestTimeout.TotalSeconds:0} s.");
            }
        }
    }

    /// <summary>Every page of one of the upstream's lists, and the answer itself when there was one page.</summary>
    private static async Task<ListedItems> ListAllPagesAsync(
        McpClient client, UpstreamClientRole role, string upstream, string method, string key, ILogger logger, CancellationToken cancellationToken)
    {
        var items = new List<JsonObject>();
        var cursors = new ListingCursors(upstream, method, logger);
        JsonObject? first = null;
        var pages = 0;
        JsonNode? cursor = null;
        do
        {
            var request = new JsonRpcRequest
            {
                Id = new RequestId($"gateway-listing-{Interlocked.Increment(ref s_lastRequestId)}"),
                Method = method,
                Params = cursor is null ? null : new JsonObject { ["cursor"] = cursor.DeepClone() },
            };

            // Followed so that an error is kept as the upstream sent it (its data too), as an agent's own session keeps it.
            using var forwarding = role.Forward(request.Id);
            JsonRpcResponse response;
            try
            {
                response = await client.SendRequestAsync(request, cancellationToken);
            }
            catch (McpProtocolException ex) when (forwarding.Error is { } error)
            {
                throw new UpstreamProtocolException(error, ex);
            }

            // Read by every session answered from the listing.
            var page = SharedJson.Materialize(response.Result as JsonObject);
            first ??= page;
            pages++;
            items.AddRange((page?[key] as JsonArray ?? []).OfType<JsonObject>());
            cursor = cursors.Next(page?["nextCursor"]);
        }
        while (cursor is not null);

        return new ListedItems(items, pages == 1 ? first : null);
    }

    /// <summary>One shape's listing, and which of its lists the upstream has said changed since it was asked.</summary>
    private sealed class Kept(Task<UpstreamListing?> listing)
    {
        public Task<UpstreamListing?> Listing => listing;

        public ListKinds Stale { get; set; }
    }

    private static JsonNode Canonical(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Canonical(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(item => item is null ? null : Canonical(item))]),
        _ => node.DeepClone(),
    };
}
