using System.ComponentModel;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace ApprovalGateway.LatencyRunner;

/// <summary>A minimal MCP server on the C# SDK: Kestrel on a free loopback port, stateful Streamable HTTP at <c>/mcp</c>, one <c>echo</c> tool.</summary>
internal static class EchoServerApp
{
    /// <summary>Starts the server; <paramref name="echo"/> sees each call's message and returns its answer.</summary>
    public static async Task<(WebApplication App, Uri Url)> StartAsync(Func<string, string> echo)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var tool = McpServerTool.Create(
            [Description("Echoes the message back")] (string message) => echo(message),
            new McpServerToolCreateOptions { Name = "echo" });
        builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "bench-echo", Version = "1.0.0" })
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateful)
            .WithTools([tool]);
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(new Uri(address), "/mcp"));
    }
}
