using System.Globalization;
using ApprovalGateway.Approvals;
using ApprovalGateway.Hosting;
using ApprovalGateway.Tests.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// One gateway instance of a scaled-out deployment, built like <c>Program</c>. Its settings go on the command
/// line, as a real deployment's would, because the scale-out wiring reads them when services are registered.
/// </summary>
internal sealed class ScaleOutGateway : IAsyncDisposable
{
    public const string AliceToken = "alice-token-Ws3nB6yQe1Pu5Jd0";

    private readonly WebApplication _app;
    private readonly string _data;

    private ScaleOutGateway(WebApplication app, string data, Uri baseAddress, RecordingObserver approvals)
    {
        _app = app;
        _data = data;
        BaseAddress = baseAddress;
        Approvals = approvals;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Cancelled once the host begins to stop, as it does when one of its background services fails.</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>Every approval change this instance made itself.</summary>
    public RecordingObserver Approvals { get; }

    public static async Task<ScaleOutGateway> StartAsync(
        IReadOnlyDictionary<string, string?> settings, string policy, Action<WebApplicationBuilder>? configure = null)
    {
        var data = Directory.CreateTempSubdirectory("gateway-scaleout-").FullName;
        var policyPath = Path.Combine(data, "policy.json");
        await File.WriteAllTextAsync(policyPath, policy);
        var all = TestUpstreams.Merge(
            TestUpstreams.EverythingStdio(),
            new Dictionary<string, string?>
            {
                ["Gateway:Upstreams:demo:Enabled"] = "false",
                ["Gateway:Policy:Path"] = policyPath,
                ["Gateway:DataPath"] = data,
                ["Logging:LogLevel:Default"] = "Warning",
                ["Approvers:alice:Token"] = AliceToken,
            },
            settings);
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", "--contentRoot", RepoPaths.Root, "--environment", "Testing",
            .. all.Select(s => string.Create(CultureInfo.InvariantCulture, $"--{s.Key}={s.Value}")),
        ];
        var approvals = new RecordingObserver();
        var app = GatewayApp.Build(args, builder =>
        {
            builder.Services.AddSingleton<IApprovalObserver>(approvals);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ScaleOutGateway(app, data, new Uri(address), approvals);
    }

    /// <summary>An MCP client on this instance, as the agent whose API key is <paramref name="bearer"/> when given.</summary>
    public Task<McpClient> ConnectAsync(string? bearer = null) => GatewayProcessClients.ConnectAsync(new Uri(BaseAddress, "/mcp"), bearer);

    /// <summary>The REST API as the approver alice, with her script token.</summary>
    public HttpClient Approver()
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", AliceToken);
        return client;
    }

    /// <summary>The live approvals page's hub connection, as alice; not started.</summary>
    public HubConnection Hub() => GatewayProcessClients.Hub(BaseAddress, AliceToken);

    /// <summary>Stops the host as SIGTERM or Ctrl+C would; disposing afterwards is still needed.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        HangfireLogging.Forget();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing writer only leaves a temp folder behind.
        }
    }
}
