using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using ApprovalGateway.Hosting;
using System.Text.Json;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Policy.Text;
using ModelContextProtocol;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// The gateway's own view of every upstream: one supervised connection each, used to list and classify tools
/// (for the policy, <c>/api/tools</c> and the page) and to learn what capabilities to advertise to agents.
/// Agents' calls never go through these connections; each agent session has its own.
/// </summary>
internal sealed class ToolCatalog(
    IOptions<GatewayOptions> options,
    UpstreamConnector connector,
    TimeProvider time,
    UpstreamStatusBoard board,
    ILogger<ToolCatalog> logger) : IToolCatalog, IHostedService, IAsyncDisposable
{
    private readonly Dictionary<string, UpstreamLink> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<UpstreamTool>> _byUpstream = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Lock _connectGate = new();
    private readonly HashSet<string> _changedWhileListing = new(StringComparer.Ordinal);

    // Per upstream: every agent session that hears its list_changed asks it to be listed again.
    private readonly ConcurrentDictionary<string, CoalescedRun> _relists = new(StringComparer.Ordinal);
    private Task? _connecting;
    private Stage _stage;
    private volatile Snapshot _snapshot = Snapshot.Empty;

    public IReadOnlyList<UpstreamTool> Tools => _snapshot.Tools;

    /// <summary>What each upstream lists to agents as they introduce themselves, which this connection does not.</summary>
    public CapabilityListings Listings { get; } = new(connector, logger);

    // The lists each upstream's last connection of this catalogue declared it offers.
    private readonly ConcurrentDictionary<string, ListKinds> _offered = new(StringComparer.Ordinal);

    /// <summary>Raised after any upstream's tool list changed, so sessions can tell their agents.</summary>
    public event Action? Changed;

    /// <summary>
    /// Raised with an upstream's name and the lists (tools, resources, prompts) its new connection declares that its last
    /// did not: it restarted offering them. Agents listed those lists without it, and nothing upstream tells them: its
    /// own <c>list_changed</c> speaks of a list that changed, and to a new session nothing has.
    /// </summary>
    public event Action<string, ListKinds>? ListsNewlyOffered;

    public bool TryGet(string name, [MaybeNullWhen(false)] out UpstreamTool tool) => _snapshot.ByName.TryGetValue(name, out tool);

    /// <summary>
    /// An upstream's tools in the SDK's own model, under their upstream names: each agent session's client is
    /// seeded with them so the SDK knows every tool it forwards a call to.
    /// </summary>
    public IReadOnlyList<Tool> ProtocolTools(string upstream) =>
        _snapshot.ProtocolTools.TryGetValue(upstream, out var tools) ? tools : [];

    internal static Tool? ToProtocolTool(JsonObject definition)
    {
        try
        {
            var tool = definition.Deserialize<Tool>(McpJsonUtilities.DefaultOptions);

            // Seeded into every agent session's clients; its other members are read-only models or JsonElements.
            SharedJson.Materialize(tool?.Meta);
            return tool;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            // The SDK's setters validate too: an input schema that is not an object schema throws ArgumentException.
            return null;
        }
    }

    /// <summary>
    /// Connects to every upstream and lists its tools, once: the first call does it, later ones wait for it. Two upstreams
    /// serving one tool name stop it with a <see cref="ToolNameClashException"/>. The gateway calls it before its host
    /// starts (<c>GatewayApp.BuildAsync</c>), so that a clash is reported as the settings mistake it is; a host built
    /// without it connects as it starts.
    /// </summary>
    public Task ConnectAsync()
    {
        lock (_connectGate)
        {
            return _connecting ??= ConnectCoreAsync();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => ConnectAsync();

    private async Task ConnectCoreAsync()
    {
        foreach (var (name, upstream) in options.Value.EnabledUpstreams)
        {
            var clientOptions = UpstreamConnector.CreateClientOptions(
                new Implementation { Name = "approval-gateway", Version = GatewayVersion.Current }, null);
            var link = new UpstreamLink(name, upstream, connector, () => WithListChangedHandler(clientOptions, name), time, logger,
                status => board.Report(status with { Session = "catalog" }), probe: true);
            link.Connected += client =>
            {
                // A new connection: the upstream may have changed anything while this one was away.
                Listings.Forget(name, ListKinds.All);
                NoteOffered(name, client.ServerCapabilities);
                Relist(name);
            };
            _links[name] = link;
        }

        await Task.WhenAll(_links.Values.Select(l => l.StartAsync()));
        lock (_connectGate)
        {
            _stage = Stage.Listing;
        }

        foreach (var link in _links.Values.Where(l => l.IsConnected))
        {
            await RefreshAsync(link.Name, link.GetClient(), atStartup: true);
        }

        string[] changed;
        lock (_connectGate)
        {
            _stage = Stage.Started;
            changed = [.. _changedWhileListing];
        }

        foreach (var name in changed)
        {
            Relist(name);
        }
    }

    /// <summary>
    /// Lists an upstream again after it (re)connected or said its tools changed. Until the startup listing begins, that
    /// listing covers it; while it runs, the upstream is listed again right after it, so that only the startup listing's
    /// own view decides whether a clash stops the gateway.
    /// </summary>
    private void Relist(string upstream)
    {
        Listings.Forget(upstream, ListKinds.Tools);
        lock (_connectGate)
        {
            if (_stage != Stage.Started)
            {
                if (_stage == Stage.Listing)
                {
                    _changedWhileListing.Add(upstream);
                }

                return;
            }
        }

        _ = _relists.GetOrAdd(upstream, _ => new CoalescedRun()).RunAsync(() => RelistOnceAsync(upstream));
    }

    /// <summary>
    /// Keeps what <paramref name="upstream"/>'s new connection declares, and says which lists it declares that the last
    /// did not (none on its first connection: no agent was told what it offers before). Before the upstream's tools are
    /// listed again, so that agents told of them now are not told a second time when that listing changes what they see.
    /// </summary>
    private void NoteOffered(string upstream, ServerCapabilities offers)
    {
        var now = offers.Lists();
        var newly = ListKinds.None;
        _offered.AddOrUpdate(upstream, now, (_, before) =>
        {
            newly = now & ~before;
            return now;
        });
        if (newly != ListKinds.None)
        {
            Log.ListsNewlyOffered(logger, upstream, newly.Describe());
            ListsNewlyOffered?.Invoke(upstream, newly);
        }
    }

    /// <summary>
    /// An agent's session heard <paramref name="upstream"/> say its tools changed. Servers that keep one server object
    /// per session say so only on the session whose call changed them, not on this catalogue's connection, which would
    /// otherwise keep classifying and listing (to <c>/api/tools</c>, the page and agents listed from it) the old tools.
    /// </summary>
    public void ToolsChangedOnAgentSession(string upstream) => Relist(upstream);

    /// <summary>Lists the upstream again, through the link's client of the moment (a reconnect meanwhile asked for one more).</summary>
    private async Task RelistOnceAsync(string upstream)
    {
        try
        {
            if (_links.TryGetValue(upstream, out var link) && link.IsConnected)
            {
                await RefreshAsync(upstream, link.GetClient());
            }
        }
        catch (UpstreamUnavailableException)
        {
            // It went down between the two looks; its reconnect lists it again.
        }
        catch (Exception ex)
        {
            // Nothing awaits this: a failure is logged here or nowhere.
            Log.ToolListFailed(logger, upstream, ex.Message);
        }
    }

    private McpClientOptions WithListChangedHandler(McpClientOptions clientOptions, string upstream)
    {
        clientOptions.Handlers.NotificationHandlers =
        [
            new(NotificationMethods.ToolListChangedNotification, (_, _) =>
            {
                Relist(upstream);
                return ValueTask.CompletedTask;
            }),
            new(NotificationMethods.ResourceListChangedNotification, (_, _) =>
            {
                Listings.Forget(upstream, ListKinds.Resources);
                return ValueTask.CompletedTask;
            }),
            new(NotificationMethods.PromptListChangedNotification, (_, _) =>
            {
                Listings.Forget(upstream, ListKinds.Prompts);
                return ValueTask.CompletedTask;
            }),
        ];
        return clientOptions;
    }

    /// <summary>What the agents are told this gateway can do: the union of the upstreams' capabilities.</summary>
    public ServerCapabilities Capabilities
    {
        get
        {
            var connected = _links.Values.Where(l => l.IsConnected).Select(l => l.GetClient().ServerCapabilities).ToList();
            if (connected.Count < _links.Count)
            {
                // An upstream we could not reach yet may offer anything; advertising less would hide it for the whole session.
                connected.Add(new ServerCapabilities
                {
                    Tools = new() { ListChanged = true },
                    Resources = new() { Subscribe = true, ListChanged = true },
                    Prompts = new() { ListChanged = true },
                    Logging = new(),
                    Completions = new(),
                });
            }

            return new ServerCapabilities
            {
                Tools = connected.Any(c => c.Tools is not null) ? new() { ListChanged = true } : null,
                Resources = connected.Any(c => c.Resources is not null)
                    ? new() { Subscribe = connected.Any(c => c.Resources?.Subscribe == true), ListChanged = true }
                    : null,
                Prompts = connected.Any(c => c.Prompts is not null) ? new() { ListChanged = true } : null,
                Logging = connected.Any(c => c.Logging is not null) ? new() : null,
                Completions = connected.Any(c => c.Completions is not null) ? new() : null,
            };
        }
    }

    /// <summary>The gateway's own link to <paramref name="upstream"/>, which agent sessions' links follow while it is down.</summary>
    public UpstreamLink? GatewayLinkTo(string upstream) => _links.GetValueOrDefault(upstream);

    /// <summary>
    /// What <paramref name="upstream"/> told the gateway's own connection it offers, or null while that is not connected:
    /// agent sessions route by it until they have opened their own session with the upstream.
    /// </summary>
    public ServerCapabilities? CapabilitiesOf(string upstream)
    {
        try
        {
            return _links.TryGetValue(upstream, out var link) && link.IsConnected ? link.GetClient().ServerCapabilities : null;
        }
        catch (UpstreamUnavailableException)
        {
            // It went down between the two looks.
            return null;
        }
    }

    /// <summary>With a single upstream the gateway presents that server's own identity, so agents see no difference.</summary>
    public Implementation ServerInfo =>
        _links.Count == 1 && _links.Values.First() is { IsConnected: true } only && only.GetClient().ServerInfo is { } info
            ? info
            : new Implementation { Name = "approval-gateway", Version = GatewayVersion.Current };

    public string? ServerInstructions
    {
        get
        {
            var parts = _links.Values.Where(l => l.IsConnected).Select(l => l.GetClient().ServerInstructions)
                .Where(i => !string.IsNullOrWhiteSpace(i)).ToList();
            return parts.Count == 0 ? null : string.Join("\n\n", parts);
        }
    }

    /// <summary>
    /// Lists <paramref name="upstream"/>'s tools again. Names another upstream already serves stay that upstream's: at
    /// startup that stops the gateway; later (an upstream down at startup comes up) its clashing tools are left out of
    /// every listing and the clash shows in the upstream's status, since agents must never see one name twice.
    /// </summary>
    /// <remarks>
    /// A listing gets the upstream's <see cref="UpstreamOptions.RequestTimeout"/>, as one for an agent's capabilities
    /// does. Re-listings of one upstream run one at a time, and an upstream that leaves <c>tools/list</c> unanswered
    /// while it answers pings keeps its connection: unbounded, that listing would hold every later one, and leave the
    /// catalogue (and what is classified and listed from it) stale until the gateway restarts.
    /// </remarks>
    private async Task RefreshAsync(string upstream, McpClient client, bool atStartup = false)
    {
        var timeout = options.Value.Upstreams[upstream].RequestTimeout;
        using var deadline = new CancellationTokenSource(timeout, time);
        try
        {
            // One that offers no tools (any more: it restarted without them) serves none, and the tools it served must not
            // stay listed, classified or found by name, nor agents listed them go untold.
            var listed = client.ServerCapabilities.Tools is null ? [] : await ListAllToolsAsync(client, upstream, logger, deadline.Token);
            var prefix = options.Value.Upstreams[upstream].ToolPrefix ?? "";
            var tools = listed.Select(definition => Describe(upstream, prefix, definition)).DistinctBy(t => t.Name, StringComparer.Ordinal).ToList();
            string? clash = null;
            string? message = null;
            bool changed;
            lock (_gate)
            {
                var others = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var tool in _byUpstream.Where(u => u.Key != upstream).SelectMany(u => u.Value))
                {
                    others.TryAdd(tool.Name, tool.UpstreamName);
                }

                var clashing = tools.Where(t => others.ContainsKey(t.Name)).ToList();
                if (clashing.Count > 0)
                {
                    var names = clashing.Select(t => $"'{t.Name}' ({string.Join(", ", new[] { others[t.Name], upstream }.Order(StringComparer.Ordinal))})");
                    message = $"Tool names are served by more than one upstream: {string.Join("; ", names)}. " +
                        "Set Gateway:Upstreams:{name}:ToolPrefix so every tool name is unique.";
                    if (atStartup)
                    {
                        throw new ToolNameClashException(message);
                    }

                    tools = [.. tools.Where(t => !others.ContainsKey(t.Name))];
                    clash = DescribeClash(upstream, clashing.Select(t => t.Name).ToList(), clashing.Select(t => others[t.Name]).Distinct().ToList());
                }

                changed = _byUpstream.TryGetValue(upstream, out var before)
                    ? !before.Select(t => t.Name).SequenceEqual(tools.Select(t => t.Name), StringComparer.Ordinal)
                    : client.ServerCapabilities.Tools is not null;
                _byUpstream[upstream] = tools;
                var all = _byUpstream.Values.SelectMany(t => t).ToList();
                // Converted once per listing, not once per agent session that seeds its clients with them.
                var protocolTools = _byUpstream.ToFrozenDictionary(
                    u => u.Key,
                    u => (IReadOnlyList<Tool>)[.. u.Value.Select(t => ToProtocolTool(t.Definition)).OfType<Tool>()],
                    StringComparer.Ordinal);
                _snapshot = new Snapshot(all, all.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal), protocolTools);
            }

            // Logged when it appears or changes, not again on every listing while it lasts.
            if (board.ReportClash(upstream, clash) && message is not null)
            {
                Log.ToolNameCollision(logger, message);
            }

            // Listed again on every reconnect and list_changed; said again only when what it serves changed.
            if (changed)
            {
                Log.ToolsListed(logger, upstream, tools.Count);
            }

            Changed?.Invoke();
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // The upstream was told to cancel; the last listing stands, and the next ask lists it again.
            Log.ToolListTimedOut(logger, upstream, timeout.TotalSeconds);
        }
        catch (Exception ex) when (ex is not ToolNameClashException)
        {
            Log.ToolListFailed(logger, upstream, ex.Message);
        }
    }

    private static string DescribeClash(string upstream, List<string> names, List<string> servedBy)
    {
        const int Shown = 5;
        var shown = string.Join(", ", names.Take(Shown).Select(n => $"'{n}'")) + (names.Count > Shown ? $" and {names.Count - Shown} more" : "");
        var owners = string.Join(", ", servedBy.Order(StringComparer.Ordinal).Select(o => $"'{o}'"));
        return $"{names.Count} of its tools ({shown}) are left out, since {(servedBy.Count == 1 ? $"upstream {owners} serves" : $"upstreams {owners} serve")} " +
            $"the same names: set Gateway:Upstreams:{upstream}:ToolPrefix";
    }

    internal static async Task<List<JsonObject>> ListAllToolsAsync(
        McpClient client, string upstream, ILogger logger, CancellationToken cancellationToken)
    {
        var tools = new List<JsonObject>();
        var cursors = new ListingCursors(upstream, RequestMethods.ToolsList, logger);
        string? cursor = null;
        do
        {
            var response = await client.SendRequestAsync(
                new JsonRpcRequest
                {
                    Method = RequestMethods.ToolsList,
                    Params = cursor is null ? null : new JsonObject { ["cursor"] = cursor },
                },
                cancellationToken);
            if (response.Result?["tools"] is JsonArray page)
            {
                foreach (var definition in page.OfType<JsonObject>())
                {
                    // A tool the gateway cannot read would fail the agent's whole listing; leaving it out keeps the
                    // upstream's other tools usable.
                    if (string.IsNullOrEmpty(definition["name"].AsString()) || ToProtocolTool(definition) is null)
                    {
                        Log.UnreadableToolSkipped(logger, upstream, ShortText.Cut(definition.ToJsonString(), 200));
                        continue;
                    }

                    // Kept by the catalogue or a listing and read by every agent session's calls and listings.
                    tools.Add(SharedJson.Materialize(definition));
                }
            }

            cursor = cursors.Next(response.Result?["nextCursor"]).AsString();
        }
        while (cursor is not null);

        return tools;
    }

    internal static UpstreamTool Describe(string upstream, string prefix, JsonObject definition)
    {
        var originalName = definition["name"].AsString() ?? "";
        var annotations = definition["annotations"] as JsonObject;
        var descriptor = new ToolDescriptor(
            prefix + originalName,
            upstream,
            definition["description"].AsString(),
            Hint(annotations, "readOnlyHint"),
            Hint(annotations, "destructiveHint"),
            Hint(annotations, "idempotentHint"),
            Hint(annotations, "openWorldHint"));
        return new UpstreamTool(prefix + originalName, upstream, originalName, definition, RiskClassifier.Classify(descriptor));
    }

    private static bool? Hint(JsonObject? annotations, string name) =>
        annotations?[name] is JsonValue value && value.TryGetValue<bool>(out var b) ? b : null;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var link in _links.Values)
        {
            await link.DisposeAsync();
        }
    }

    private enum Stage
    {
        Connecting,
        Listing,
        Started,
    }

    private sealed record Snapshot(
        IReadOnlyList<UpstreamTool> Tools,
        FrozenDictionary<string, UpstreamTool> ByName,
        FrozenDictionary<string, IReadOnlyList<Tool>> ProtocolTools)
    {
        public static Snapshot Empty { get; } =
            new([], FrozenDictionary<string, UpstreamTool>.Empty, FrozenDictionary<string, IReadOnlyList<Tool>>.Empty);
    }
}
