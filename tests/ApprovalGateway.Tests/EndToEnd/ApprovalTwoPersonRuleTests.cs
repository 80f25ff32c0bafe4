using System.Net;
using System.Text.Json.Nodes;
using ApprovalGateway.Slack;
using ApprovalGateway.Tests.Slack;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary><c>approvals: 2</c>: two distinct people release the call, and the agent's owner is never one of them.</summary>
public sealed class ApprovalTwoPersonRuleTests
{
    private const string TraderKey = "trader-agent-key-0000001";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CallTool_WaitsForTwoDistinctApprovers_WhenTheRuleNeedsTwoAndTheOwnerMayNotApprove()
    {
        await using var scenario = await StartAsync(
            Hold(Withdraw, """{ "timeout": 120, "approvals": 2 }"""),
            new Dictionary<string, string?>
            {
                ["Gateway:Agents:trader:ApiKey"] = TraderKey,
                ["Gateway:Agents:trader:Owner"] = "alice",
            });
        await using var agent = await scenario.ConnectAsync(TraderKey);

        var call = agent.CallToolAsync(Withdraw, WithdrawArgs("two-person-1")).AsTask();
        var (_, id) = await scenario.WaitForPromptAsync(Withdraw);

        using (var owner = await scenario.DecideAsync(Alice, id, "approve"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, owner.StatusCode);
            Assert.Contains("owns agent trader", await owner.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var first = await scenario.DecideAsync(Bob, id, "approve"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("awaiting_more_approvals", (string?)JsonNode.Parse(await first.Content.ReadAsStringAsync())!["result"]);
        }

        Assert.Equal("pending", (string?)(await scenario.GetApprovalAsync(Carol, id))["status"]);
        Assert.False(call.IsCompleted, "one approval of two must not release the call");
        await scenario.WaitForPromptTextAsync(id, $"1 of 2 approvals: <@{Bob.Slack.Id}>");

        using (var again = await scenario.DecideAsync(Bob, id, "approve"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        }

        using (var againInSlack = await scenario.ClickAsync(Bob, SlackActionIds.Approve, id))
        {
            Assert.Equal(HttpStatusCode.OK, againInSlack.StatusCode);
        }

        var told = await scenario.Slack.WaitForRequestAsync(FakeSlackServer.ResponseUrlMethod);
        Assert.Equal("bob has already voted on this approval", (string?)told.Body["text"]);
        var stillPending = await scenario.GetApprovalAsync(Carol, id);
        Assert.Equal("pending", (string?)stillPending["status"]);
        Assert.Single(stillPending["votes"]!.AsArray());
        Assert.False(call.IsCompleted);

        using (var second = await scenario.ClickAsync(Carol, SlackActionIds.Approve, id))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        var result = await call.WaitAsync(Guard);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("two-person-1", (string?)Structured(result)["withdrawOrderId"]);
        await scenario.WaitForPromptTextAsync(id, $"Approved by <@{Bob.Slack.Id}> and <@{Carol.Slack.Id}>");
        var record = ForwardedCallRecords.Single(scenario.AuditOf(Withdraw));
        Assert.Equal("trader", record.Agent);
        Assert.Equal(["bob", "carol"], record.DecidedBy);
    }
}
