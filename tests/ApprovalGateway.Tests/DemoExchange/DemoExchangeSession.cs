using System.Text.Json;
using ApprovalGateway.DemoExchange;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.DemoExchange;

/// <summary>A client connected to a freshly started, freshly seeded demo exchange over the named transport.</summary>
internal sealed class DemoExchangeSession(McpClient client, WebApplication? app) : IAsyncDisposable
{
    public const string Stdio = "stdio";
    public const string Http = "http";

    private static readonly McpClientOptions ClientOptions = new() { ProtocolVersion = "2025-11-25" };

    public McpClient Client => client;

    public static async Task<DemoExchangeSession> StartAsync(string transport, CancellationToken cancellationToken) =>
        transport == Stdio ? await StartStdioAsync(cancellationToken) : await StartHttpAsync(cancellationToken);

    public async Task<CallToolResult> CallAsync(string tool, Dictionary<string, object?> arguments, CancellationToken cancellationToken) =>
        await client.CallToolAsync(tool, arguments, cancellationToken: cancellationToken);

    public async Task<JsonElement> CallSuccessfullyAsync(string tool, Dictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        var result = await CallAsync(tool, arguments, cancellationToken);
        Assert.True(result.IsError is not true, $"{tool} failed: {string.Join(" ", result.Content.OfType<TextContentBlock>().Select(c => c.Text))}");
        return Assert.NotNull(result.StructuredContent);
    }

    public async ValueTask DisposeAsync()
    {
        await client.DisposeAsync();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<DemoExchangeSession> StartStdioAsync(CancellationToken cancellationToken)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "demo-exchange",
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "demo-exchange.dll"), "--stdio"],
        });
        return new(await McpClient.CreateAsync(transport, ClientOptions, cancellationToken: cancellationToken), null);
    }

    private static async Task<DemoExchangeSession> StartHttpAsync(CancellationToken cancellationToken)
    {
        var app = DemoExchangeServer.BuildWebApplication(["--urls", "http://127.0.0.1:0"]);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"{address}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        });
        return new(await McpClient.CreateAsync(transport, ClientOptions, cancellationToken: cancellationToken), app);
    }
}
