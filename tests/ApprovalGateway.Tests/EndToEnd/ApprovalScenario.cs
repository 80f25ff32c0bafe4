using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Audit;
using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Slack;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// The whole approval path as a user meets it: the real gateway (its own Hangfire on InMemory storage) in front of
/// an upstream, a fake Slack it posts prompts to, configured approvers with tokens and Slack IDs, and a watch on
/// approvals and audit records to wait on.
/// </summary>
internal sealed class ApprovalScenario : IAsyncDisposable
{
    public static readonly ApprovalApprover Alice = new("alice", "alice-approver-token-0001", SlackUser.Alice);
    public static readonly ApprovalApprover Bob = new("bob", "bob-approver-token-000002", SlackUser.Bob);
    public static readonly ApprovalApprover Carol = new("carol", "carol-approver-token-0003", new SlackUser("U0CAROL01", "carol"));
    public static readonly ApprovalApprover Dave = new("dave", "dave-approver-token-00004", new SlackUser("U0DAVE001", "dave"));

    public static readonly IReadOnlyList<ApprovalApprover> Approvers = [Alice, Bob, Carol, Dave];

    private readonly HttpClient api;

    private ApprovalScenario(GatewayHost gateway, FakeSlackServer slack, ApprovalWatch approvals, ApprovalAuditWatch audit)
    {
        Gateway = gateway;
        Slack = slack;
        Approvals = approvals;
        Audit = audit;
        api = new HttpClient { BaseAddress = gateway.BaseAddress };
    }

    public GatewayHost Gateway { get; }

    public FakeSlackServer Slack { get; }

    public ApprovalWatch Approvals { get; }

    public ApprovalAuditWatch Audit { get; }

    public Uri InteractionsUrl => new(Gateway.BaseAddress, "/slack/interactions");

    /// <summary>
    /// The gateway in front of the demo exchange, or of <paramref name="upstream"/> when given; <paramref name="configure"/>
    /// replaces services after the gateway's own.
    /// </summary>
    public static async Task<ApprovalScenario> StartAsync(
        string policy,
        IReadOnlyDictionary<string, string?>? extraSettings = null,
        IReadOnlyDictionary<string, string?>? upstream = null,
        Action<IServiceCollection>? configure = null)
    {
        var slack = await FakeSlackServer.StartAsync();
        var approvers = new Dictionary<string, string?>();
        foreach (var approver in Approvers)
        {
            approvers[$"Approvers:{approver.Name}:Token"] = approver.Token;
            approvers[$"Approvers:{approver.Name}:SlackUserId"] = approver.Slack.Id;
        }

        var settings = TestUpstreams.Merge(
            upstream ?? TestUpstreams.DemoStdio(),
            slack.GatewaySettings(),
            approvers,
            extraSettings ?? new Dictionary<string, string?>());
        var approvals = new ApprovalWatch();
        try
        {
            var gateway = await GatewayHost.StartAsync(settings, policy, builder =>
            {
                builder.Services.AddSingleton<IApprovalObserver>(approvals);
                builder.Services.AddSingleton<IAuditLog>(sp => new ApprovalAuditWatch(sp.GetRequiredService<FileAuditLog>()));
                configure?.Invoke(builder.Services);
            });
            return new ApprovalScenario(gateway, slack, approvals, (ApprovalAuditWatch)gateway.Services.GetRequiredService<IAuditLog>());
        }
        catch
        {
            await slack.DisposeAsync();
            throw;
        }
    }

    public Task<McpClient> ConnectAsync(string? agentKey = null) => Gateway.ConnectAsync(bearer: agentKey);

    /// <summary>Waits for the Slack prompt of a pending approval and returns it with the approval id its buttons carry.</summary>
    public async Task<(FakeSlackMessage Prompt, string ApprovalId)> WaitForPromptAsync(string tool)
    {
        var prompt = await Slack.WaitForMessageAsync(m => m.AllText.Contains(tool, StringComparison.Ordinal) && m.Buttons.Any());
        var id = prompt.Buttons.Select(b => (string?)b["value"]).Distinct().Single()!;
        return (prompt, id);
    }

    /// <summary>The prompt of <paramref name="approvalId"/> once its text contains <paramref name="text"/> (after chat.update).</summary>
    public Task<FakeSlackMessage> WaitForPromptTextAsync(string approvalId, string text) =>
        Slack.WaitForMessageAsync(m => m.AllText.Contains(approvalId, StringComparison.Ordinal) && m.AllText.Contains(text, StringComparison.Ordinal));

    public Task<HttpResponseMessage> ClickAsync(ApprovalApprover approver, string actionId, string approvalId, string? actionTs = null) =>
        Slack.ClickAsync(InteractionsUrl, approver.Slack, actionId, approvalId, actionTs);

    public async Task<HttpResponseMessage> DecideAsync(ApprovalApprover approver, string approvalId, string decision, string? reason = null, int? grantMinutes = null)
    {
        var body = new JsonObject { ["decision"] = decision, ["reason"] = reason, ["grant_minutes"] = grantMinutes };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/approvals/{approvalId}/decision")
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", approver.Token);
        return await api.SendAsync(request);
    }

    public async Task<HttpResponseMessage> RevokeGrantAsync(ApprovalApprover approver, string approvalId, string? reason = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/grants/{approvalId}/revoke")
        {
            Content = JsonContent.Create(new JsonObject { ["reason"] = reason }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", approver.Token);
        return await api.SendAsync(request);
    }

    public async Task<JsonObject> GetApprovalAsync(ApprovalApprover approver, string approvalId) =>
        (await GetJsonAsync(approver, $"/api/approvals/{approvalId}")).AsObject();

    public async Task<JsonArray> ListApprovalsAsync(ApprovalApprover approver, string status) =>
        (await GetJsonAsync(approver, $"/api/approvals?status={status}")).AsArray();

    /// <summary>The time-boxed grants in force, as <c>GET /api/grants</c> lists them.</summary>
    public async Task<JsonArray> ListGrantsAsync(ApprovalApprover approver) =>
        (await GetJsonAsync(approver, "/api/grants")).AsArray();

    /// <summary>The records of <paramref name="tool"/>, oldest first.</summary>
    public IReadOnlyList<AuditRecord> AuditOf(string tool) =>
        [.. Gateway.Services.GetRequiredService<IAuditLog>().Recent(1000).Where(r => r.Tool == tool).Reverse()];

    public static async Task<JsonObject> OpenTwapOrdersAsync(McpClient client)
    {
        var list = await client.CallToolAsync("BinanceSpotCurrentAlgoOpenOrders", new Dictionary<string, object?>());
        Assert.NotEqual(true, list.IsError);
        return Structured(list);
    }

    public static IReadOnlyList<long> AlgoIds(JsonObject openOrders) =>
        [.. openOrders["orders"]!.AsArray().Select(o => (long)o!["algoId"]!)];

    /// <summary>The result's <c>structuredContent</c> as JSON, whatever type the SDK gives it.</summary>
    public static JsonObject Structured(CallToolResult result) =>
        JsonSerializer.SerializeToNode(result, McpJsonUtilities.DefaultOptions)!["structuredContent"]?.AsObject()
        ?? throw new InvalidOperationException("The result has no structuredContent: " + Text(result));

    public static string Text(CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public async ValueTask DisposeAsync()
    {
        api.Dispose();
        await Gateway.DisposeAsync();
        await Slack.DisposeAsync();
    }

    private async Task<JsonNode> GetJsonAsync(ApprovalApprover approver, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", approver.Token);
        using var response = await api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }
}
