using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>
/// An MCP server over Streamable HTTP whose tool list a test can change mid-session; the SDK then sends
/// <c>notifications/tools/list_changed</c> to every connected session.
/// </summary>
internal sealed class DynamicToolsUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DynamicToolsUpstream(WebApplication app, Uri url, McpServerPrimitiveCollection<McpServerTool> tools)
    {
        _app = app;
        Url = url;
        Tools = tools;
    }

    public Uri Url { get; }

    public McpServerPrimitiveCollection<McpServerTool> Tools { get; }

    public static Task<DynamicToolsUpstream> StartAsync(params McpServerTool[] initial) => StartAsync(_ => { }, initial);

    /// <summary>As above, with <paramref name="configure"/> given the server's options (filters, say) first.</summary>
    public static async Task<DynamicToolsUpstream> StartAsync(Action<McpServerOptions> configure, params McpServerTool[] initial)
    {
        var tools = new McpServerPrimitiveCollection<McpServerTool>();
        foreach (var tool in initial)
        {
            tools.Add(tool);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMcpServer(o =>
            {
                configure(o);
                o.ToolCollection = tools;
            })
            .WithHttpTransport(t => t.SessionMode = HttpServerSessionMode.Stateful);
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new DynamicToolsUpstream(app, new Uri(address.TrimEnd('/') + "/mcp"), tools);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
