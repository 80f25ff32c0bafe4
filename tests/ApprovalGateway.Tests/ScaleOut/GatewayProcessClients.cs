using System.Text;
using ApprovalGateway.Testing;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>The agent's and the approver's clients on a gateway process, as the scale-out tests use them.</summary>
internal static class GatewayProcessClients
{
    /// <summary>An MCP client on the gateway's Streamable HTTP endpoint, as the agent whose API key is <paramref name="bearer"/> when given.</summary>
    public static Task<McpClient> ConnectAsync(this GatewayProcess gateway, string? bearer = null) => ConnectAsync(gateway.McpEndpoint, bearer);

    public static Task<McpClient> ConnectAsync(Uri mcpEndpoint, string? bearer) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = mcpEndpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = bearer is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {bearer}" },
            }),
            new McpClientOptions { ProtocolVersion = "2025-11-25" });

    /// <summary>The agent's error text, whether the gateway answered with an error result or a JSON-RPC error.</summary>
    public static async Task<string> RefusalAsync(Task<CallToolResult> call)
    {
        try
        {
            // A guard against a hang: a call that cannot be recorded must be refused, not left waiting.
            var result = await call.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(result.IsError, "The call was sent, where it should have been refused");
            return string.Join(' ', result.Content.OfType<TextContentBlock>().Select(t => t.Text));
        }
        catch (McpException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The live approvals page's hub connection with an approver's <paramref name="token"/>; not started.</summary>
    public static HubConnection Hub(this GatewayProcess gateway, string token) => Hub(gateway.BaseAddress, token);

    public static HubConnection Hub(Uri baseAddress, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, ApprovalsHub.Path.TrimStart('/')), HttpTransportType.WebSockets, o => o.Headers["Authorization"] = $"Bearer {token}")
            .Build();

    /// <summary>The REST API with <paramref name="token"/>, an approver's script token from the settings.</summary>
    public static HttpClient Approver(this GatewayProcess gateway, string token)
    {
        var client = new HttpClient { BaseAddress = gateway.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    /// <summary>Posts a decision on an approval to the REST API, approving unless <paramref name="body"/> says otherwise.</summary>
    public static Task<HttpResponseMessage> DecideAsync(this HttpClient approver, string approvalId, string body = """{"decision":"approve"}""") =>
        approver.PostAsync(
            new Uri($"/api/approvals/{approvalId}/decision", UriKind.Relative),
            new StringContent(body, Encoding.UTF8, "application/json"));
}
