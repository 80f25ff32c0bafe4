using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// A tiny MCP server over Streamable HTTP on loopback with one tool that takes an <c>apiKey</c>, recording what it
/// received, so a test can see the upstream got the real secret while every human-facing view masked it.
/// </summary>
internal sealed class ApprovalSecretUpstream : IAsyncDisposable
{
    private readonly WebApplication app;

    private ApprovalSecretUpstream(WebApplication app, Uri url)
    {
        this.app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<string> ReceivedKeys { get; } = new();

    public static async Task<ApprovalSecretUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMcpServer().WithHttpTransport().WithTools<ApprovalSecretTools>();
        ApprovalSecretUpstream? upstream = null;
        builder.Services.AddSingleton(_ => upstream!);
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        upstream = new ApprovalSecretUpstream(app, new Uri(address.TrimEnd('/') + "/mcp"));
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
