using System.Net;
using System.Text.Json.Nodes;
using ApprovalGateway.Slack;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>Issue 4 end to end: a held call is released by a human, in Slack or through the API, exactly once.</summary>
public sealed class ApprovalReleaseTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CallTool_ForwardsOnceWithTheSameArguments_WhenApprovedInSlack()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var (prompt, id) = await scenario.WaitForPromptAsync(CancelTwap);
        Assert.Contains("\"algoId\": 123", prompt.AllText, StringComparison.Ordinal);
        Assert.False(call.IsCompleted, "the call must wait for a human");

        using var click = await scenario.ClickAsync(Alice, SlackActionIds.Approve, id);
        Assert.Equal(HttpStatusCode.OK, click.StatusCode);

        var result = await call.WaitAsync(Guard);
        Assert.NotEqual(true, result.IsError);
        var cancelled = Structured(result);
        Assert.Equal(123, (long)cancelled["algoId"]!);
        Assert.True((bool)cancelled["success"]!);
        Assert.DoesNotContain(123L, AlgoIds(await OpenTwapOrdersAsync(agent)));

        var updated = await scenario.WaitForPromptTextAsync(id, $"Approved by <@{Alice.Slack.Id}>");
        Assert.Equal(prompt.Ts, updated.Ts);
        Assert.Single(scenario.Slack.Messages);
        Assert.Empty(updated.Buttons);

        var record = ForwardedCallRecords.Single(scenario.AuditOf(CancelTwap));
        Assert.Equal("forwarded", record.Outcome);
        Assert.Equal(id, record.ApprovalId);
        Assert.Equal(["alice"], record.DecidedBy);
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["algoId"] = 123 }, record.Arguments));
        Assert.Equal([id], scenario.Approvals.Created);
    }

    [Fact]
    public async Task CallTool_ForwardsTheCall_WhenApprovedThroughTheApiWithABearerToken()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask();
        await scenario.Approvals.WaitForPendingAsync(CancelTwap);
        var pending = Assert.Single(await scenario.ListApprovalsAsync(Bob, "pending"));
        var id = (string)pending!["id"]!;
        Assert.Equal(CancelTwap, (string?)pending["tool"]);
        Assert.Equal(124, (long)pending["arguments"]!["algoId"]!);

        using var response = await scenario.DecideAsync(Bob, id, "approve", reason: "planned rebalance");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("resolved", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["result"]);

        var result = await call.WaitAsync(Guard);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal(124, (long)Structured(result)["algoId"]!);
        var open = AlgoIds(await OpenTwapOrdersAsync(agent));
        Assert.DoesNotContain(124L, open);
        Assert.Contains(123L, open);
        Assert.Equal("approved", (string?)(await scenario.GetApprovalAsync(Alice, id))["status"]);
        var record = ForwardedCallRecords.Single(scenario.AuditOf(CancelTwap));
        Assert.Equal(("forwarded", id), (record.Outcome, record.ApprovalId));
        Assert.Equal(["bob"], record.DecidedBy);
    }

    [Fact]
    public async Task CallTool_ReportsProgressSayingItWaitsForApproval_WhileTheCallIsHeld()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await scenario.ConnectAsync();
        var progress = new ApprovalProgressWatch();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123), progress).AsTask();
        var first = await progress.First;
        Assert.Contains("Waiting for approval", first.Message, StringComparison.Ordinal);
        Assert.False(call.IsCompleted);

        var approval = await scenario.Approvals.WaitForPendingAsync(CancelTwap);
        using var response = await scenario.DecideAsync(Carol, approval.Id, "approve");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await call.WaitAsync(Guard);
        Assert.NotEqual(true, result.IsError);
    }
}
