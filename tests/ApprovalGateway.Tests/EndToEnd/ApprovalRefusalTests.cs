using System.Net;
using ApprovalGateway.Approvals;
using ApprovalGateway.Slack;
using ApprovalGateway.Tests.Infrastructure;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>Held calls that are not released: rejected, timed out, or withdrawn by the agent. The upstream never runs them.</summary>
public sealed class ApprovalRefusalTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CallTool_ReturnsRejectedWithTheReason_WhenRejectedThroughTheApi()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var approval = await scenario.Approvals.WaitForPendingAsync(CancelTwap);
        using var response = await scenario.DecideAsync(Bob, approval.Id, "reject", reason: "the TWAP is part of the hedge");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var result = await call.WaitAsync(Guard);
        Assert.True(result.IsError);
        var refusal = Refusals.Of(result);
        Assert.Equal("rejected", (string?)refusal["decision"]);
        Assert.Equal("the TWAP is part of the hedge", (string?)refusal["reason"]);
        Assert.Equal(approval.Id, (string?)refusal["approvalId"]);
        Assert.Contains("Rejected by bob: the TWAP is part of the hedge", Text(result), StringComparison.Ordinal);
        Assert.Contains(123L, AlgoIds(await OpenTwapOrdersAsync(agent)));

        var record = Assert.Single(scenario.AuditOf(CancelTwap));
        Assert.Equal(("rejected", approval.Id), (record.Outcome, record.ApprovalId));
        await scenario.WaitForPromptTextAsync(approval.Id, "Rejected by <@U0BOB0001>: the TWAP is part of the hedge");
    }

    /// <summary>An agent stuck in a loop on a held tool must not post a prompt to the approvers per turn.</summary>
    [Fact]
    public async Task HeldCallsPastMaxPendingPerAgent_AreRefusedAtOnceWithoutAPrompt_UntilOneIsDecided()
    {
        await using var scenario = await StartAsync(
            Hold(CancelTwap, """{ "timeout": 120 }"""), new Dictionary<string, string?> { ["Approvals:MaxPendingPerAgent"] = "2" });
        await using var agent = await scenario.ConnectAsync();
        var first = agent.CallToolAsync(CancelTwap, CancelTwapArgs(1)).AsTask();
        var firstApproval = await scenario.Approvals.WaitForPendingAsync(CancelTwap);
        var second = agent.CallToolAsync(CancelTwap, CancelTwapArgs(2)).AsTask();
        await scenario.Approvals.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Id != firstApproval.Id, "a second pending approval");

        var third = await agent.CallToolAsync(CancelTwap, CancelTwapArgs(3)).AsTask().WaitAsync(Guard);

        const string Reason =
            "agent 'anonymous' already has 2 calls waiting for approval, the most Approvals:MaxPendingPerAgent allows; this one was " +
            "refused without asking anyone";
        Assert.True(third.IsError);
        Assert.Equal("rate_limited", (string?)Refusals.Of(third)["decision"]);
        Assert.Equal(Reason, (string?)Refusals.Of(third)["reason"]);
        Assert.Equal(2, scenario.Approvals.Created.Count);
        Assert.Equal(Reason, Assert.Single(scenario.AuditOf(CancelTwap), r => r.Outcome == "rate_limited").Reason);

        using var reject = await scenario.DecideAsync(Bob, firstApproval.Id, "reject", reason: "one at a time");
        Assert.True((await first.WaitAsync(Guard)).IsError);
        var fourth = agent.CallToolAsync(CancelTwap, CancelTwapArgs(4)).AsTask();
        await scenario.Approvals.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Request.FrozenArguments["algoId"]?.GetValue<long>() == 4, "the fourth call held");

        Assert.Equal(3, scenario.Approvals.Created.Count);
        Assert.False(second.IsCompleted);
        Assert.False(fourth.IsCompleted);
    }

    [Fact]
    public async Task CallTool_ReturnsRejected_WhenRejectedInSlack()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var (_, id) = await scenario.WaitForPromptAsync(CancelTwap);
        using var click = await scenario.ClickAsync(Alice, SlackActionIds.Reject, id);
        Assert.Equal(HttpStatusCode.OK, click.StatusCode);

        var result = await call.WaitAsync(Guard);
        Assert.True(result.IsError);
        var refusal = Refusals.Of(result);
        Assert.Equal("rejected", (string?)refusal["decision"]);
        Assert.Equal("rejected by alice", (string?)refusal["reason"]);
        Assert.Contains(123L, AlgoIds(await OpenTwapOrdersAsync(agent)));
        var updated = await scenario.WaitForPromptTextAsync(id, $"Rejected by <@{Alice.Slack.Id}>");
        Assert.Empty(updated.Buttons);
        Assert.Equal("rejected", Assert.Single(scenario.AuditOf(CancelTwap)).Outcome);
    }

    [Fact]
    public async Task CallTool_ReturnsExpiredNotRejected_WhenNobodyDecidesBeforeTheTimeout()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 2 }"""));
        await using var agent = await scenario.ConnectAsync();

        var result = await agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask().WaitAsync(Guard);

        Assert.True(result.IsError);
        var refusal = Refusals.Of(result);
        Assert.Equal("expired", (string?)refusal["decision"]);
        Assert.Contains("timed out", Text(result), StringComparison.Ordinal);
        Assert.DoesNotContain("Rejected", Text(result), StringComparison.Ordinal);
        var id = (string)refusal["approvalId"]!;
        Assert.Equal("expired", (string?)(await scenario.GetApprovalAsync(Alice, id))["status"]);
        var updated = await scenario.WaitForPromptTextAsync(id, "Expired");
        Assert.Empty(updated.Buttons);
        Assert.Contains(123L, AlgoIds(await OpenTwapOrdersAsync(agent)));
        Assert.Equal("expired", Assert.Single(scenario.AuditOf(CancelTwap)).Outcome);
    }

    [Fact]
    public async Task CallTool_WithdrawsTheApproval_WhenTheAgentCancelsWhilePending()
    {
        // The SDK's client cancels by dropping its POST, which the gateway cannot tell from a network failure: the call
        // is withdrawn once the agent has not resumed it within the resumption window.
        await using var scenario = await StartAsync(
            Hold(CancelTwap, """{ "timeout": 120 }"""), new Dictionary<string, string?> { ["Gateway:Resumption:Window"] = "00:00:01" });
        await using var agent = await scenario.ConnectAsync();
        using var cancel = new CancellationTokenSource();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123), cancellationToken: cancel.Token).AsTask();
        var (_, id) = await scenario.WaitForPromptAsync(CancelTwap);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Guard));

        await scenario.Approvals.WaitForStatusAsync(id, ApprovalStatus.Withdrawn);
        Assert.Equal("withdrawn", (string?)(await scenario.GetApprovalAsync(Alice, id))["status"]);
        var updated = await scenario.WaitForPromptTextAsync(id, "Withdrawn");
        Assert.Empty(updated.Buttons);
        var record = await scenario.Audit.WaitForAsync(r => r.ApprovalId == id, $"the record of approval {id}");
        Assert.Equal("withdrawn", record.Outcome);

        using var late = await scenario.DecideAsync(Alice, id, "approve");
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Contains(123L, AlgoIds(await OpenTwapOrdersAsync(agent)));
    }
}
