using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using ApprovalGateway.Hosting;
using System.Text.Json;
using ApprovalGateway.Policy.Risk;
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
    private volatile Snapshot _snapshot = Snapshot.Empty;
    private volatile bool _started;

    public IReadOnlyList<UpstreamTool> Tools => _snapshot.Tools;

    /// <summary>Raised after any upstream's tool list changed, so sessions can tell their agents.</summary>
    public event Action? Changed;

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
            return definition.Deserialize<Tool>(McpJsonUtilities.DefaultOptions);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            // The SDK's setters validate too: an input schema that is not an object schema throws ArgumentException.
            return null;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, upstream) in options.Value.EnabledUpstreams)
        {
            var clientOptions = UpstreamConnector.CreateClientOptions(
                new Implementation { Name = "approval-gateway", Version = GatewayVersion.Current }, null);
            var link = new UpstreamLink(name, upstream, connector, () => WithListChangedHandler(clientOptions, name), time, logger,
                status => board.Report(status with { Session = "catalog" }));
            // Reconnections after startup refresh the list; the first connection is listed below, where a name clash can stop startup.
            link.Connected += client =>
            {
                if (_started)
                {
                    _ = RefreshAsync(name, client);
                }
            };
            _links[name] = link;
        }

        await Task.WhenAll(_links.Values.Select(l => l.StartAsync()));
        foreach (var link in _links.Values.Where(l => l.IsConnected))
        {
            await RefreshAsync(link.Name, link.GetClient(), throwOnCollision: true);
        }

        _started = true;
    }

    private McpClientOptions WithListChangedHandler(McpClientOptions clientOptions, string upstream)
    {
        clientOptions.Handlers.NotificationHandlers =
        [
            new(NotificationMethods.ToolListChangedNotification, (_, _) =>
            {
                if (_links.TryGetValue(upstream, out var link) && link.IsConnected)
                {
                    _ = RefreshAsync(upstream, link.GetClient());
                }

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

    private async Task RefreshAsync(string upstream, McpClient client, bool throwOnCollision = false)
    {
        try
        {
            if (client.ServerCapabilities.Tools is null)
            {
                return;
            }

            var listed = await ListAllToolsAsync(client, upstream, logger, CancellationToken.None);
            var prefix = options.Value.Upstreams[upstream].ToolPrefix ?? "";
            var tools = listed.Select(definition => Describe(upstream, prefix, definition)).ToList();
            lock (_gate)
            {
                _byUpstream[upstream] = tools;
                var collisions = _byUpstream.Values.SelectMany(t => t).GroupBy(t => t.Name, StringComparer.Ordinal)
                    .Where(g => g.Count() > 1)
                    .Select(g => $"'{g.Key}' ({string.Join(", ", g.Select(t => t.UpstreamName).Order(StringComparer.Ordinal))})")
                    .ToList();
                if (collisions.Count > 0)
                {
                    var message = $"Tool names are served by more than one upstream: {string.Join("; ", collisions)}. " +
                        "Set Gateway:Upstreams:{name}:ToolPrefix so every tool name is unique.";
                    if (throwOnCollision)
                    {
                        throw new InvalidOperationException(message);
                    }

                    Log.ToolNameCollision(logger, message);
                    _byUpstream[upstream] = [.. tools.Where(t => !collisions.Any(c => c.StartsWith($"'{t.Name}'", StringComparison.Ordinal)))];
                }

                var all = _byUpstream.Values.SelectMany(t => t).ToList();
                // Converted once per listing, not once per agent session that seeds its clients with them.
                var protocolTools = _byUpstream.ToFrozenDictionary(
                    u => u.Key,
                    u => (IReadOnlyList<Tool>)[.. u.Value.Select(t => ToProtocolTool(t.Definition)).OfType<Tool>()],
                    StringComparer.Ordinal);
                _snapshot = new Snapshot(all, all.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal), protocolTools);
            }

            Log.ToolsListed(logger, upstream, tools.Count);
            Changed?.Invoke();
        }
        catch (Exception ex) when (!throwOnCollision || ex is not InvalidOperationException)
        {
            Log.ToolListFailed(logger, upstream, ex.Message);
        }
    }

    internal static async Task<List<JsonObject>> ListAllToolsAsync(
        McpClient client, string upstream, ILogger logger, CancellationToken cancellationToken)
    {
        var tools = new List<JsonObject>();
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
                        Log.UnreadableToolSkipped(logger, upstream, Truncate(definition.ToJsonString(), 200));
                        continue;
                    }

                    tools.Add(definition);
                }
            }

            cursor = response.Result?["nextCursor"].AsString();
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

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

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

    private sealed record Snapshot(
        IReadOnlyList<UpstreamTool> Tools,
        FrozenDictionary<string, UpstreamTool> ByName,
        FrozenDictionary<string, IReadOnlyList<Tool>> ProtocolTools)
    {
        public static Snapshot Empty { get; } =
            new([], FrozenDictionary<string, UpstreamTool>.Empty, FrozenDictionary<string, IReadOnlyList<Tool>>.Empty);
    }
}
