using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// The real gateway in front of the demo exchange with two agents, <c>bot</c> and <c>other</c>, and raw MCP Tasks
/// requests (the SDK has no typed Tasks API) sent through real SDK clients.
/// </summary>
internal sealed class TaskGateway : IAsyncDisposable
{
    public const string BotKey = "bot-agent-key-0123456789abcdef";
    public const string OtherKey = "other-agent-key-0123456789abcdef";
    public static readonly ApproverIdentity Alice = new("alice", null);

    private TaskGateway(GatewayHost host, RecordingObserver approvals)
    {
        Host = host;
        Approvals = approvals;
    }

    public GatewayHost Host { get; }

    public RecordingObserver Approvals { get; }

    public IApprovalDecisions Decisions => Host.Services.GetRequiredService<IApprovalDecisions>();

    public static async Task<TaskGateway> StartAsync(string policy, TimeProvider? time = null)
    {
        var observer = new RecordingObserver();
        var settings = TestUpstreams.Merge(
            TestUpstreams.DemoStdio(),
            new Dictionary<string, string?>
            {
                ["Gateway:Agents:bot:ApiKey"] = BotKey,
                ["Gateway:Agents:other:ApiKey"] = OtherKey,
            });
        var host = await GatewayHost.StartAsync(settings, policy, builder =>
        {
            builder.Services.AddSingleton<IApprovalObserver>(observer);
            if (time is not null)
            {
                builder.Services.Replace(ServiceDescriptor.Singleton(time));
            }
        });
        return new TaskGateway(host, observer);
    }

    public Task<McpClient> ConnectAsync(string key = BotKey, McpClientOptions? options = null) => Host.ConnectAsync(options, key);

    public Task<ApprovalSnapshot> WaitForPendingAsync(string tool) =>
        Approvals.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Request.Tool == tool);

    public async Task DecideAsync(string approvalId, bool approve, string? reason = null)
    {
        var result = await Decisions.DecideAsync(approvalId, Alice, approve, reason, null, "web", CancellationToken.None);
        Assert.Equal(DecisionResultKind.Resolved, result.Kind);
    }

    /// <summary>A task-augmented <c>tools/call</c>; returns the <c>task</c> of the <c>CreateTaskResult</c>.</summary>
    public static async Task<JsonObject> CallAsTaskAsync(McpClient client, string tool, JsonObject arguments, long ttl = 60000)
    {
        var result = await SendAsync(client, "tools/call", new JsonObject
        {
            ["name"] = tool,
            ["arguments"] = arguments,
            ["task"] = new JsonObject { ["ttl"] = ttl },
        });
        return result["task"]?.AsObject() ?? throw new InvalidOperationException("Not a CreateTaskResult: " + result.ToJsonString());
    }

    public static Task<JsonObject> GetAsync(McpClient client, string taskId) => SendAsync(client, "tasks/get", TaskId(taskId));

    public static Task<JsonObject> ResultAsync(McpClient client, string taskId) => SendAsync(client, "tasks/result", TaskId(taskId));

    public static Task<JsonObject> CancelAsync(McpClient client, string taskId) => SendAsync(client, "tasks/cancel", TaskId(taskId));

    public static async Task<IReadOnlyList<string>> ListAsync(McpClient client) =>
        [.. (await SendAsync(client, "tasks/list", new JsonObject()))["tasks"]!.AsArray().Select(t => (string)t!["taskId"]!)];

    public static async Task<JsonObject> SendAsync(McpClient client, string method, JsonObject parameters)
    {
        var response = await client.SendRequestAsync(new JsonRpcRequest { Method = method, Params = parameters })
            .WaitAsync(TimeSpan.FromSeconds(30));
        return response.Result!.AsObject();
    }

    /// <summary>The raw <c>initialize</c> result of the agent <c>bot</c>, since the SDK's typed capabilities drop <c>tasks</c>.</summary>
    public Task<JsonObject> InitializeRawAsync(string protocolVersion) => Host.InitializeRawAsync(protocolVersion, BotKey);

    private static JsonObject TaskId(string taskId) => new() { ["taskId"] = taskId };

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}
