using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// What each upstream lists to clients that declare given client capabilities, learnt through a short session of the
/// gateway's own that introduces itself as the agent did and declares the same: servers offer some tools only to clients
/// that can, say, sample (or only to some clients by name), so the catalogue's listing (no capabilities) does not stand
/// in for such an agent's, and without this every agent session that listed tools opened a session (for stdio, a
/// process) of its own on every upstream. Listings are kept per client and shape of declared capabilities, and
/// forgotten when the upstream says its tools changed or its catalogue connection is new; sessions answered from one
/// are told then (<see cref="Forgotten"/>), as nothing upstream tells them.
/// </summary>
internal sealed class CapabilityToolListings(UpstreamConnector connector, ILogger logger)
{
    /// <summary>Shapes kept per upstream; past it one is dropped, so odd clients cannot grow it without end.</summary>
    private const int MaxShapes = 32;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, Task<IReadOnlyList<JsonObject>?>>> _byUpstream = new(StringComparer.Ordinal);

    /// <summary>Raised with an upstream's name after its listings were forgotten: what they said may be stale now.</summary>
    public event Action<string>? Forgotten;

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

    /// <summary>The listing for <paramref name="shape"/> if one is known, without asking the upstream.</summary>
    public IReadOnlyList<JsonObject>? Cached(string upstream, string shape)
    {
        lock (_gate)
        {
            return _byUpstream.TryGetValue(upstream, out var shapes) && shapes.TryGetValue(shape, out var listing)
                && listing.IsCompletedSuccessfully ? listing.Result : null;
        }
    }

    /// <summary>
    /// The tools <paramref name="upstream"/> lists to <paramref name="client"/> declaring <paramref name="declared"/>;
    /// asked once per shape (callers that come meanwhile share the answer). Null when the upstream could not be asked; the
    /// caller then asks through a session of its own, as it would have without this.
    /// </summary>
    public async Task<IReadOnlyList<JsonObject>?> ListAsync(
        string upstream, UpstreamOptions options, JsonObject? declared, string protocolVersion, Implementation client, CancellationToken cancellationToken)
    {
        var shape = ShapeOf(declared, protocolVersion, client);
        Task<IReadOnlyList<JsonObject>?> listing;
        lock (_gate)
        {
            if (!_byUpstream.TryGetValue(upstream, out var shapes))
            {
                _byUpstream[upstream] = shapes = new(StringComparer.Ordinal);
            }

            if (!shapes.TryGetValue(shape, out listing!))
            {
                if (shapes.Count >= MaxShapes)
                {
                    shapes.Remove(shapes.Keys.First());
                }

                // Made for no one caller: one that gives up must not fail the others waiting for it.
                shapes[shape] = listing = ProbeAsync(upstream, options, declared, protocolVersion, client);
                _ = ForgetIfFailedAsync(upstream, shape, listing);
            }
        }

        return await listing.WaitAsync(cancellationToken);
    }

    /// <summary>Forgets every listing of <paramref name="upstream"/>: it said its tools changed, or came back.</summary>
    public void Forget(string upstream)
    {
        bool forgot;
        lock (_gate)
        {
            forgot = _byUpstream.Remove(upstream, out var shapes) && shapes.Count > 0;
        }

        // Nothing kept means nobody was answered from it since the last time: they were told then.
        if (forgot)
        {
            Forgotten?.Invoke(upstream);
        }
    }

    private async Task ForgetIfFailedAsync(string upstream, string shape, Task<IReadOnlyList<JsonObject>?> listing)
    {
        if (await listing is not null)
        {
            return;
        }

        lock (_gate)
        {
            if (_byUpstream.TryGetValue(upstream, out var shapes) && shapes.TryGetValue(shape, out var kept) && kept == listing)
            {
                shapes.Remove(shape);
            }
        }
    }

    private async Task<IReadOnlyList<JsonObject>?> ProbeAsync(
        string upstream, UpstreamOptions options, JsonObject? declared, string protocolVersion, Implementation agent)
    {
        await Task.Yield();
        var stopping = connector.GatewayStopping;

        // No agent stands behind this session: whatever the upstream asks its client (roots, sampling, ...) is refused.
        var role = new UpstreamClientRole(
            declared,
            (request, _, _) => Task.FromException<JsonRpcMessageWithId>(new McpProtocolException(
                $"The approval gateway lists tools on this session and answers no {request.Method}.", McpErrorCode.MethodNotFound)));

        // Introduced as the agent's own session is (its clientInfo whole): a server may list by any of it, and this
        // listing stands in for the one the agent's own session gets.
        var clientOptions = UpstreamConnector.CreateClientOptions(agent, protocolVersion);
        try
        {
            await using var client = await connector.ConnectAsync(upstream, options, clientOptions, role, stopping);
            if (client.ServerCapabilities.Tools is null)
            {
                return [];
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            deadline.CancelAfter(options.RequestTimeout);
            try
            {
                return await ToolCatalog.ListAllToolsAsync(client, upstream, logger, deadline.Token);
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                throw new UpstreamUnavailableException(
                    upstream, $"Upstream '{upstream}' did not list its tools within {options.RequestTimeout.TotalSeconds:0} s.");
            }
        }
        catch (Exception ex)
        {
            if (!stopping.IsCancellationRequested)
            {
                Log.CapabilityListingFailed(logger, upstream, ex.Message);
            }

            return null;
        }
    }

    private static JsonNode Canonical(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Canonical(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(item => item is null ? null : Canonical(item))]),
        _ => node.DeepClone(),
    };
}
