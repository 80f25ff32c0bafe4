using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using static ApprovalGateway.Tests.EndToEnd.TaskGateway;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>An upstream that runs a tool as an MCP task itself keeps doing so through the gateway when the policy allows the call.</summary>
public sealed class TaskUpstreamRelayTests
{
    private const string ResearchTool = "simulate-research-query";

    [Fact]
    public async Task TaskCall_RelaysTheUpstreamsOwnTask_WhenThePolicyAllowsAToolTheUpstreamRunsAsATask()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.Stdio);
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
}
