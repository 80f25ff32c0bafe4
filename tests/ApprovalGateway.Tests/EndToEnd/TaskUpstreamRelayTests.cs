using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol;
using static ApprovalGateway.Tests.EndToEnd.TaskGateway;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// server-everything behind an allow-all gateway: a tool it runs as an MCP task stays its own task, one it does not is
/// no task at all, and what the gateway advertises about tasks is what it serves.
/// </summary>
public sealed class TaskUpstreamRelayTests
{
    private const string ResearchTool = "simulate-research-query";
    private const string AgentKey = "everything-agent-key-0123456789ab";

    [Fact]
    public async Task TaskCall_RelaysTheUpstreamsOwnTask_WhenThePolicyAllowsAToolTheUpstreamRunsAsATask()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.Stdio, agentKey: AgentKey);
        await using var agent = await everything.ConnectAsync();

        var tools = (await SendAsync(agent, "tools/list", []))["tools"]!.AsArray();
        Assert.Equal("required", (string?)tools.Single(t => (string?)t!["name"] == ResearchTool)!["execution"]!["taskSupport"]);
        var task = await CallAsTaskAsync(agent, ResearchTool, new JsonObject { ["topic"] = "tides" });
        var taskId = (string)task["taskId"]!;
        var result = await ResultAsync(agent, taskId);

        Assert.False(taskId.StartsWith("gw-", StringComparison.Ordinal), $"{taskId} is the gateway's, not the upstream's");
        Assert.Contains("tides", result["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("completed", (string?)(await GetAsync(agent, taskId))["status"]);
        Assert.Contains(taskId, await ListAsync(agent));
    }

    [Fact]
    public async Task HeldTaskCall_EndsWithTheUpstreamTasksResult_WhenTheUpstreamRunsTheToolOnlyAsATask()
    {
        var approvals = new RecordingObserver();
        await using var everything = await EverythingGateway.StartAsync(
            UpstreamTransport.Stdio,
            ApprovalPolicies.Hold(ResearchTool, """{ "timeout": 120 }"""),
            AgentKey,
            builder => builder.Services.AddSingleton<IApprovalObserver>(approvals));
        await using var agent = await everything.ConnectAsync();

        var taskId = (string)(await CallAsTaskAsync(agent, ResearchTool, new JsonObject { ["topic"] = "tides" }))["taskId"]!;
        var pending = await approvals.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Request.Tool == ResearchTool);
        var decided = await everything.Gateway.Services.GetRequiredService<IApprovalDecisions>()
            .DecideAsync(pending.Id, Alice, true, null, null, "web", CancellationToken.None);
        Assert.Equal(DecisionResultKind.Resolved, decided.Kind);
        var result = await ResultAsync(agent, taskId);

        Assert.StartsWith("gw-", taskId, StringComparison.Ordinal);
        Assert.NotEqual(true, (bool?)result["isError"]);
        Assert.Contains("tides", result["content"]![0]!["text"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(taskId, (string?)result["_meta"]!["io.modelcontextprotocol/related-task"]!["taskId"]);
        Assert.Equal("completed", (string?)(await GetAsync(agent, taskId))["status"]);
    }

    [Fact]
    public async Task TaskCall_IsRefusedAsMethodNotFound_WhenTheToolOffersNoTasks()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.Stdio);
        await using var agent = await everything.ConnectAsync();

        var tools = (await SendAsync(agent, "tools/list", []))["tools"]!.AsArray();
        var echo = tools.Single(t => (string?)t!["name"] == "echo")!;
        Assert.True(echo["execution"]?["taskSupport"] is null || (string?)echo["execution"]!["taskSupport"] == "forbidden");
        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => CallAsTaskAsync(agent, "echo", new JsonObject { ["message"] = "hi" }));

        Assert.Equal(McpErrorCode.MethodNotFound, refused.ErrorCode);
        Assert.Contains("Tool 'echo' does not support task-augmented calls", refused.Message, StringComparison.Ordinal);
        var plain = await agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hi" });
        Assert.NotEqual(true, plain.IsError);
    }

    [Fact]
    public async Task TasksList_IsNeitherAdvertisedNorServed_ButTasksGetIs_WhenTheAgentHasNoKey()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.Stdio);
        await using var agent = await everything.ConnectAsync();

        var tasks = (await everything.Gateway.InitializeRawAsync("2025-11-25"))["capabilities"]!["tasks"]!;
        var taskId = (string)(await CallAsTaskAsync(agent, ResearchTool, new JsonObject { ["topic"] = "tides" }))["taskId"]!;
        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => ListAsync(agent));

        Assert.Null(tasks["list"]);
        Assert.NotNull(tasks["requests"]!["tools"]!["call"]);
        Assert.Equal(McpErrorCode.MethodNotFound, refused.ErrorCode);
        Assert.Contains("tasks/list is not available to sessions without an agent key", refused.Message, StringComparison.Ordinal);
        Assert.Equal(taskId, (string?)(await GetAsync(agent, taskId))["taskId"]);
    }
}
