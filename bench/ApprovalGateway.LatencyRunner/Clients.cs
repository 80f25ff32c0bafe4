using ApprovalGateway.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.LatencyRunner;

/// <summary>MCP clients over Streamable HTTP or stdio, and the one call every measurement makes.</summary>
internal static class Clients
{
    private static McpClientOptions Options => new() { ProtocolVersion = "2025-11-25" };

    public static Task<McpClient> HttpAsync(Uri endpoint, CancellationToken cancellationToken = default) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = endpoint, TransportMode = HttpTransportMode.StreamableHttp }),
            Options,
            cancellationToken: cancellationToken);

    public static Task<McpClient> EverythingStdioAsync() =>
        McpClient.CreateAsync(
            new StdioClientTransport(new StdioClientTransportOptions { Command = "node", Arguments = [RepositoryPaths.ServerEverything, "stdio"] }),
            Options);

    public static async Task<CallToolResult> EchoAsync(this McpClient client, string message, CancellationToken cancellationToken = default)
    {
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = message }, cancellationToken: cancellationToken);
        return result.IsError == true
            ? throw new InvalidOperationException($"echo failed: {string.Join(' ', result.Content.OfType<TextContentBlock>().Select(t => t.Text))}")
            : result;
    }
}
