using System.Net;
using System.Text.Json.Nodes;
using ApprovalGateway.Slack;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Slack;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>Decisions that race: only the first counts, and the upstream runs the call at most once.</summary>
public sealed class ApprovalRaceTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SlackClick_TellsTheClickerItWasAlreadyApproved_WhenSomeoneApprovedFirst()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var (_, id) = await scenario.WaitForPromptAsync(CancelTwap);
        using (var first = await scenario.ClickAsync(Alice, SlackActionIds.Approve, id))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var result = await call.WaitAsync(Guard);
        Assert.NotEqual(true, result.IsError);
        await scenario.WaitForPromptTextAsync(id, $"Approved by <@{Alice.Slack.Id}>");

        using (var second = await scenario.ClickAsync(Bob, SlackActionIds.Reject, id))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        var answer = await scenario.Slack.WaitForRequestAsync(FakeSlackServer.ResponseUrlMethod);
        Assert.Equal("ephemeral", (string?)answer.Body["response_type"]);
        Assert.Equal("Already approved by alice", (string?)answer.Body["text"]);

        var approval = await scenario.GetApprovalAsync(Alice, id);
        Assert.Equal("approved", (string?)approval["status"]);
        Assert.Equal("alice", (string?)Assert.Single(approval["votes"]!.AsArray())!["approver"]);
        var prompt = Assert.Single(scenario.Slack.Messages);
        Assert.Contains($"Approved by <@{Alice.Slack.Id}>", prompt.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(Bob.Slack.Id, prompt.AllText, StringComparison.Ordinal);
        ForwardedCallRecords.Single(scenario.AuditOf(CancelTwap));
    }

    [Fact]
    public async Task DecideApi_ResolvesExactlyOnce_WhenAHundredMixedDecisionsRace()
    {
        await using var scenario = await StartAsync(Hold(Withdraw, """{ "timeout": 120 }"""));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(Withdraw, WithdrawArgs("race-1")).AsTask();
        var approval = await scenario.Approvals.WaitForPendingAsync(Withdraw);

        var attempts = Enumerable.Range(0, 100).Select(async i =>
        {
            var approve = i % 2 == 0;
            using var response = await scenario.DecideAsync(Approvers[i % Approvers.Count], approval.Id, approve ? "approve" : "reject", reason: $"attempt {i}");
            return (Approve: approve, response.StatusCode, Body: JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        });
        var answers = await Task.WhenAll(attempts);

        var winner = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal("resolved", (string?)winner.Body["result"]);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.StatusCode);
            Assert.Equal("already_resolved", (string?)a.Body["result"]);
        });

        var result = await call.WaitAsync(Guard);
        Assert.Equal(!winner.Approve, result.IsError == true);
        if (!winner.Approve)
        {
            Assert.Equal("rejected", (string?)Refusals.Of(result)["decision"]);
        }

        var history = await agent.CallToolAsync(WithdrawHistory, new Dictionary<string, object?> { ["withdrawOrderId"] = "race-1" });
        Assert.Equal(winner.Approve ? 1 : 0, Structured(history)["withdrawals"]!.AsArray().Count);
        var records = scenario.AuditOf(Withdraw);
        var record = winner.Approve ? ForwardedCallRecords.Single(records) : Assert.Single(records);
        Assert.Equal(winner.Approve ? "forwarded" : "rejected", record.Outcome);
        Assert.Single(record.DecidedBy);
    }
}
