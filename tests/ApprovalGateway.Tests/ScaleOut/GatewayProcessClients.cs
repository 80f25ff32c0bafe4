using System.Text;
using ApprovalGateway.Testing;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>The agent's and the approver's clients on a gateway process, as the scale-out tests use them.</summary>
internal static class GatewayProcessClients
{
    /// <summary>An MCP client on the gateway's Streamable HTTP endpoint.</summary>
    public static Task<McpClient> ConnectAsync(this GatewayProcess gateway) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = gateway.McpEndpoint, TransportMode = HttpTransportMode.StreamableHttp }),
            new McpClientOptions { ProtocolVersion = "2025-11-25" });

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
