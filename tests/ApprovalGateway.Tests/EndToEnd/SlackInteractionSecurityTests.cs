using System.Net;
using ApprovalGateway.Slack;
using ApprovalGateway.Tests.Slack;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>Clicks that must not decide: forged, replayed, or from someone the rule does not list.</summary>
public sealed class SlackInteractionSecurityTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SlackClick_LeavesTheCallPending_WhenForgedStaleOrFromAnUnlistedApprover()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120, "approvers": ["alice", "U0BOB0001"] }"""));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var (_, id) = await scenario.WaitForPromptAsync(CancelTwap);

        using (var forged = await scenario.Slack.ClickAsync(
            scenario.InteractionsUrl, Alice.Slack, SlackActionIds.Approve, id, signingSecret: "not-the-signing-secret-0123456789"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        using (var stale = await scenario.Slack.ClickAsync(
            scenario.InteractionsUrl, Alice.Slack, SlackActionIds.Approve, id, timestamp: DateTimeOffset.UtcNow.AddMinutes(-10)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        }

        var stranger = new SlackUser("U0MALLORY", "mallory");
        using (var unlisted = await scenario.ClickAsync(Carol, SlackActionIds.Approve, id))
        using (var unknown = await scenario.Slack.ClickAsync(scenario.InteractionsUrl, stranger, SlackActionIds.Approve, id))
        {
            Assert.Equal(HttpStatusCode.OK, unlisted.StatusCode);
            Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        }

        var answers = await scenario.Slack.WaitForRequestsAsync(FakeSlackServer.ResponseUrlMethod, 2);
        Assert.Contains(answers, a => ((string?)a.Body["text"])?.StartsWith("carol is not an approver", StringComparison.Ordinal) == true);
        // A Slack user linked to no configured approver is not one, whatever username they chose.
        Assert.Contains(answers, a => ((string?)a.Body["text"])?.StartsWith("Your click was not counted: your Slack account (U0MALLORY)", StringComparison.Ordinal) == true);

        var approval = await scenario.GetApprovalAsync(Bob, id);
        Assert.Equal("pending", (string?)approval["status"]);
        Assert.Empty(approval["votes"]!.AsArray());
        Assert.False(call.IsCompleted);

        using (var valid = await scenario.ClickAsync(Bob, SlackActionIds.Approve, id))
        {
            Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        }

        var result = await call.WaitAsync(Guard);
        Assert.NotEqual(true, result.IsError);
        Assert.DoesNotContain(123L, AlgoIds(await OpenTwapOrdersAsync(agent)));
        Assert.Equal(["bob"], ForwardedCallRecords.Single(scenario.AuditOf(CancelTwap)).DecidedBy);
    }
}
