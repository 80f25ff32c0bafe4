using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>
/// The real gateway, built by the same code as <c>Program</c>, on a loopback port, with a policy file of the
/// test's own in a temporary folder. The shipped demo upstream is off unless the test names it.
/// </summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, string dataDirectory, Uri baseAddress)
    {
        _app = app;
        DataDirectory = dataDirectory;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public Uri McpEndpoint => new(BaseAddress, "/mcp");

    public string DataDirectory { get; }

    public string PolicyPath => Path.Combine(DataDirectory, "policy.json");

    public IServiceProvider Services => _app.Services;

    public const string AllowAll = """{ "version": "1", "default": "allow" }""";

    public static async Task<GatewayHost> StartAsync(
        IReadOnlyDictionary<string, string?> settings,
        string policy = AllowAll,
        Action<WebApplicationBuilder>? configure = null)
    {
        var data = Directory.CreateTempSubdirectory("gateway-test-").FullName;
        await File.WriteAllTextAsync(Path.Combine(data, "policy.json"), policy);
        var all = new Dictionary<string, string?>
        {
            ["Gateway:Upstreams:demo:Enabled"] = "false",
            ["Gateway:Policy:Path"] = Path.Combine(data, "policy.json"),
            ["Gateway:DataPath"] = data,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var app = await GatewayApp.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--contentRoot", RepoPaths.Root, "--environment", "Testing"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(all);
                configure?.Invoke(builder);
            });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayHost(app, data, new Uri(address));
    }

    public Task<McpClient> ConnectAsync(
        McpClientOptions? options = null,
        string? bearer = null,
        Func<IClientTransport, IClientTransport>? wrap = null,
        CancellationToken cancellationToken = default)
    {
        var headers = new Dictionary<string, string>();
        if (bearer is not null)
        {
            headers["Authorization"] = $"Bearer {bearer}";
        }

        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = McpEndpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        });
        return McpClient.CreateAsync(
            wrap?.Invoke(transport) ?? transport, options ?? new McpClientOptions { ProtocolVersion = "2025-11-25" }, cancellationToken: cancellationToken);
    }

    /// <summary>The raw <c>initialize</c> result over plain HTTP (as the agent with the key <paramref name="bearer"/>, or anonymous), since the SDK's typed capabilities drop <c>tasks</c>.</summary>
    public async Task<JsonObject> InitializeRawAsync(string protocolVersion, string? bearer = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, McpEndpoint)
        {
            Content = new StringContent(
                new JsonObject
                {
                    ["jsonrpc"] = "2.0",
                    ["id"] = 1,
                    ["method"] = "initialize",
                    ["params"] = new JsonObject
                    {
                        ["protocolVersion"] = protocolVersion,
                        ["capabilities"] = new JsonObject(),
                        ["clientInfo"] = new JsonObject { ["name"] = "raw", ["version"] = "1" },
                    },
                }.ToJsonString(),
                Encoding.UTF8,
                "application/json"),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsStringAsync();
        var json = body.TrimStart().StartsWith('{')
            ? body
            : body.Split('\n').First(l => l.StartsWith("data:", StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(l["data:".Length..]))["data:".Length..];
        return JsonNode.Parse(json)!["result"]!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        HangfireLogging.Forget();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing writer only leaves a temp folder behind.
        }
    }
}
