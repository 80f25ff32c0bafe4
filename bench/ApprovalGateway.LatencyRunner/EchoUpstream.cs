using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using ModelContextProtocol.AspNetCore;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ModelContextProtocol.Server;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// A tiny MCP server in this process whose <c>echo</c> notes the Stopwatch timestamp at which each call arrives,
/// so the time from a decision to the upstream receiving the released call needs no subtraction of guesses.
/// </summary>
internal sealed class EchoUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _arrivals = new(StringComparer.Ordinal);

    private EchoUpstream(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<EchoUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        EchoUpstream? self = null;
        var tool = McpServerTool.Create(
            [Description("Echoes the message back")] (string message) =>
            {
                self!.Arrived(message, Stopwatch.GetTimestamp());
                return message;
            },
            new McpServerToolCreateOptions { Name = "echo" });
        builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "bench-echo", Version = "1.0.0" })
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateful)
            .WithTools([tool]);
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new EchoUpstream(app, new Uri(new Uri(address), "/mcp"));
        return self;
    }

    /// <summary>Completes with the arrival timestamp of the call carrying <paramref name="message"/>.</summary>
    public Task<long> ArrivalOf(string message) => Slot(message).Task;

    public void Forget(string message) => _arrivals.TryRemove(message, out _);

    private void Arrived(string message, long timestamp) => Slot(message).TrySetResult(timestamp);

    private TaskCompletionSource<long> Slot(string message) =>
        _arrivals.GetOrAdd(message, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
