using ApprovalGateway.Audit;
using ApprovalGateway.Tests.Auth;
using ApprovalGateway.Web.Auth;

namespace ApprovalGateway.Tests.Audit;

/// <summary>The audit API behind the gateway's approver sign-in, over the sink <paramref name="audit"/> settings name.</summary>
internal static class AuditApiApp
{
    public static Task<LoopbackApp> StartAsync(IReadOnlyDictionary<string, string?> audit, Action<IServiceCollection>? services = null)
    {
        var settings = AuthTestApp.WithApprover();
        foreach (var (key, value) in audit)
        {
            settings[key] = value;
        }

        return LoopbackApp.StartAsync(
            settings,
            (collection, configuration) =>
            {
                collection.AddGatewayAudit(configuration);
                collection.AddGatewayAuth(configuration);
                services?.Invoke(collection);
            },
            app =>
            {
                app.UseGatewayAuth();
                app.MapAuditApi();
            });
    }

    /// <summary>What <c>GET /api/audit</c> answers the approver alice.</summary>
    public static async Task<System.Text.Json.Nodes.JsonArray> SearchAsync(LoopbackApp app, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/audit" + query);
        request.Headers.Authorization = new("Bearer", AuthTestApp.AliceToken);
        using var response = await app.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
    }

    /// <summary>The CSV export's lines (header first) as the approver alice reads them.</summary>
    public static async Task<string[]> ExportCsvAsync(LoopbackApp app, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/audit.csv" + query);
        request.Headers.Authorization = new("Bearer", AuthTestApp.AliceToken);
        using var response = await app.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
    }
}
