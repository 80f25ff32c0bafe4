using ApprovalGateway.Testing;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.Infrastructure;

public enum UpstreamTransport
{
    Stdio,
    StreamableHttp,
}

/// <summary>A gateway in front of server-everything over the given transport, plus a direct client factory for comparison.</summary>
internal sealed class EverythingGateway : IAsyncDisposable
{
    private readonly NodeMcpServer? _http;
    private readonly string? _agentKey;

    private EverythingGateway(GatewayHost gateway, NodeMcpServer? http, string? agentKey)
    {
        Gateway = gateway;
        _http = http;
        _agentKey = agentKey;
    }

    public GatewayHost Gateway { get; }

    /// <summary>server-everything's own Streamable HTTP endpoint; null when the gateway runs it over stdio.</summary>
    public Uri? UpstreamEndpoint => _http?.Url;

    /// <param name="agentKey">When given, the gateway has one agent, <c>agent</c>, with this key, and clients connect as it; otherwise as <c>anonymous</c>.</param>
    public static async Task<EverythingGateway> StartAsync(
        UpstreamTransport transport, string policy = GatewayHost.AllowAll, string? agentKey = null, Action<WebApplicationBuilder>? configure = null)
    {
        var http = transport == UpstreamTransport.StreamableHttp ? await NodeMcpServer.EverythingAsync() : null;
        var settings = http is null ? TestUpstreams.EverythingStdio() : TestUpstreams.Http(http.Url);
        if (agentKey is not null)
        {
            settings["Gateway:Agents:agent:ApiKey"] = agentKey;
        }

        return new EverythingGateway(await GatewayHost.StartAsync(settings, policy, configure), http, agentKey);
    }

    public Task<McpClient> ConnectAsync(McpClientOptions? options = null, Func<IClientTransport, IClientTransport>? wrap = null) =>
        Gateway.ConnectAsync(options ?? new McpClientOptions { ProtocolVersion = "2025-11-25" }, _agentKey, wrap);

    /// <summary>A client straight to the same upstream, without the gateway.</summary>
    public Task<McpClient> ConnectDirectAsync(McpClientOptions? options = null, Func<IClientTransport, IClientTransport>? wrap = null)
    {
        IClientTransport transport = _http is null
            ? new StdioClientTransport(new StdioClientTransportOptions { Command = "node", Arguments = [RepoPaths.ServerEverything, "stdio"] })
            : new HttpClientTransport(new HttpClientTransportOptions { Endpoint = _http.Url, TransportMode = HttpTransportMode.StreamableHttp });
        return McpClient.CreateAsync(wrap?.Invoke(transport) ?? transport, options ?? new McpClientOptions { ProtocolVersion = "2025-11-25" });
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        if (_http is not null)
        {
            await _http.DisposeAsync();
        }
    }
}
