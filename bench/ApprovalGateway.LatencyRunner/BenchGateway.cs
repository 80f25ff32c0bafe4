using ApprovalGateway.Approvals;
using ApprovalGateway.Hosting;
using ApprovalGateway.Testing;
using Hangfire.Logging;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// The gateway built by the same code as its <c>Program</c>, in this process on 127.0.0.1:0, with a policy file
/// and data folder (audit included) of its own under /tmp. Everything else keeps its shipped default.
/// </summary>
internal sealed class BenchGateway : IAsyncDisposable
{
    public const string AllowAll = """{ "version": "1", "default": "allow" }""";

    public const string ApproverToken = "bench-approver-token-0123456789abcdef";

    private readonly WebApplication _app;
    private readonly string _data;

    private BenchGateway(WebApplication app, string data, Uri baseAddress)
    {
        _app = app;
        _data = data;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public Uri McpEndpoint => new(BaseAddress, "/mcp");

    public IServiceProvider Services => _app.Services;

    public static Dictionary<string, string?> HttpUpstream(Uri url) => new()
    {
        ["Gateway:Upstreams:bench:Url"] = url.ToString(),
        ["Gateway:Upstreams:bench:Transport"] = "streamable-http",
    };

    public static Dictionary<string, string?> EverythingStdioUpstream() => new()
    {
        ["Gateway:Upstreams:bench:Command"] = "node",
        ["Gateway:Upstreams:bench:Args:0"] = RepositoryPaths.ServerEverything,
        ["Gateway:Upstreams:bench:Args:1"] = "stdio",
    };

    /// <summary>
    /// A gateway in front of <paramref name="upstream"/> with the bench approver's token; <paramref name="watcher"/>,
    /// when given, sees every approval this instance stores or changes.
    /// </summary>
    public static async Task<BenchGateway> StartAsync(
        Uri upstream,
        string policy,
        PendingWatcher? watcher = null,
        IReadOnlyDictionary<string, string?>? readAtRegistration = null)
    {
        var data = Directory.CreateTempSubdirectory("gateway-bench-").FullName;
        var policyPath = Path.Combine(data, "policy.json");
        await File.WriteAllTextAsync(policyPath, policy);
        var settings = new Dictionary<string, string?>(HttpUpstream(upstream))
        {
            ["Gateway:Upstreams:demo:Enabled"] = "false",
            ["Gateway:Policy:Path"] = policyPath,
            ["Gateway:DataPath"] = data,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Approvers:bench:Token"] = ApproverToken,

            // The capacity run holds ten thousand calls of one agent on purpose.
            ["Approvals:MaxPendingPerAgent"] = "1000000",
        };

        // Settings the gateway reads while registering its services (storage, Redis) must be there before the
        // in-memory settings are added, so they travel on the command line as a deployment's would.
        string[] args =
        [
            "--urls", "http://127.0.0.1:0", "--contentRoot", data, "--environment", "Production",
            .. (readAtRegistration ?? new Dictionary<string, string?>()).Select(s => $"--{s.Key}={s.Value}"),
        ];
        var app = GatewayApp.Build(
            args,
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);

                // stdout carries the table; the gateway's own log lines (kept at their shipped levels) go to stderr.
                builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = Microsoft.Extensions.Logging.LogLevel.Trace);
                if (watcher is not null)
                {
                    builder.Services.AddSingleton<IApprovalObserver>(watcher);
                }
            });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BenchGateway(app, data, new Uri(address));
    }

    /// <summary>Stops serving; for a pair, both stop before either is disposed.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();

        // Hangfire logs through one process-wide provider bound to this host's logger factory, now disposed.
        LogProvider.SetCurrentLogProvider(null);
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
